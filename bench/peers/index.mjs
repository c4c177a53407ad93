// Every library the suite measures, in table order. `module` implements the common peer
// interface: setup(workload, data, variant) → { trainChunk(units), infer(units), inferBulk?(units),
// inferInto?(units), dispose(), stats?() }, where trainChunk and infer do `units` steps of work
// (batches, or rows for a library that updates per row) and return the rows they covered; inferBulk,
// for a library with a batch API, predicts `units` blocks of INFER_BLOCK rows (workloads.mjs), one
// call per block; inferInto, for a library with a form that writes into the caller's array, does
// infer's work through it.
// A module may also export unavailableReason(workload) → string | null. `nodeFlags` are passed
// to the child's node when that node accepts them. A `browser` peer's module runs in a page of
// headless Chromium that the child drives (bench/browser.mjs); `cores` is how many cores the
// child, and everything it starts, is pinned to. A `pair` peer is two children at once, each
// pinned to a core of its own, whose rates are summed; `workloads` limits a peer to those named.

/** What is measured of every peer: trainChunk, infer and (where the peer has them) inferBulk and inferInto. */
export const MEASUREMENTS = ['train', 'infer', 'inferBulk', 'inferInto'];

/** The peer every ratio is taken against. */
export const BASELINE = 'simdnet-simd';

export const PEERS = [
  { id: 'simdnet-simd', label: 'simdnet SIMD', module: 'simdnet.mjs', variant: { backend: 'simd', threads: 1 }, package: '.' },
  {
    id: 'simdnet-simd-2t', label: 'simdnet SIMD 2T', module: 'simdnet.mjs', variant: { backend: 'simd', threads: 2 }, package: '.',
    cores: 2, note: 'threads: 2, the same bits as one thread',
  },
  {
    id: 'simdnet-auto', label: 'simdnet SIMD auto', module: 'simdnet.mjs', variant: { backend: 'simd', threads: 'auto' }, package: '.',
    cores: 2, note: "threads: 'auto': every core once a row holds 32k multiply-adds (W3, W4), else one thread",
  },
  {
    id: 'simdnet-pair', label: 'two simdnet SIMD 1T processes', module: 'simdnet.mjs', variant: { backend: 'simd', threads: 1 }, package: '.',
    pair: true, workloads: ['W3', 'W4'],
    note: "two one-thread processes at once, one per core, their rates summed: what this machine's two cores give work that shares nothing, the most two threads can reach",
  },
  { id: 'simdnet-scalar', label: 'simdnet scalar', module: 'simdnet.mjs', variant: { backend: 'scalar', threads: 1 }, package: '.' },
  {
    id: 'simdnet-relaxed', label: 'simdnet relaxed (opt-in)', module: 'simdnet.mjs', variant: { backend: 'relaxed', threads: 1 }, package: '.',
    nodeFlags: ['--experimental-wasm-relaxed-simd'],
    note: "backend 'relaxed': GEMM multiply-adds by f32x4.relaxed_madd (fused where the CPU has FMA); not bit-identical across machines",
  },
  {
    id: 'brainjs', label: 'brain.js', module: 'brainjs.mjs', package: 'brain.js',
    note: 'updates per row (no mini-batches) and predicts row by row (both inference columns); one activation for every layer and no softmax, so W3/W4 use relu outputs with squared-error deltas and W2 sigmoid outputs; momentum 0.1 (it rejects 0)',
  },
  {
    id: 'synaptic', label: 'synaptic', module: 'synaptic.mjs', package: 'synaptic',
    note: 'Architect.Perceptron, per-row activate + propagate (inference row by row in both columns); an object per neuron and connection, so only W1 and W2 (W2 with sigmoid outputs: no softmax)',
  },
  { id: 'tfjs-cpu', label: 'tfjs cpu', module: 'tfjs.mjs', variant: { backend: 'cpu' }, package: '@tensorflow/tfjs-core' },
  {
    id: 'tfjs-wasm', label: 'tfjs wasm SIMD 1T', module: 'tfjs.mjs', variant: { backend: 'wasm', threads: 1 },
    package: '@tensorflow/tfjs-backend-wasm',
  },
  {
    id: 'tfjs-wasm-browser', label: 'tfjs wasm SIMD 1T (browser)', module: 'tfjs.mjs', variant: { backend: 'wasm', threads: 1 },
    package: '@tensorflow/tfjs-backend-wasm', browser: true,
    note: 'the same in headless Chromium, a cross-origin-isolated page: the browser beside Node',
  },
  {
    id: 'tfjs-wasm-2t', label: 'tfjs wasm SIMD 2T (browser)', module: 'tfjs.mjs', variant: { backend: 'wasm', threads: 2 },
    package: '@tensorflow/tfjs-backend-wasm', browser: true, cores: 2,
    note: "its threaded SIMD build on 2 threads, in the same page: TF.js's threads need a browser's workers",
  },
  { id: 'naive-js', label: 'naive JS', module: 'naive-js.mjs', note: 'hand-written Float32Array loops' },
  {
    id: 'numpy', label: 'numpy+BLAS', module: 'numpy.mjs', variant: { threads: 1 },
    note: 'python3 child, float32, one BLAS thread; reference only, not JavaScript',
  },
  {
    id: 'numpy-2t', label: 'numpy+BLAS 2T', module: 'numpy.mjs', variant: { threads: 2 }, cores: 2,
    note: 'the same with two BLAS threads (OPENBLAS_NUM_THREADS=2)',
  },
];

/** The peer with this id (case-insensitive), or undefined. */
export function findPeer(id) {
  return PEERS.find((p) => p.id === String(id).toLowerCase());
}
