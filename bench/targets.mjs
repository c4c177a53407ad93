// simdnet's performance goals (BENCHMARKS.md, *Performance goals*), judged on one run's
// results: each gives what it compares, the figures of this run and whether they meet it. A
// goal whose libraries or shapes were not measured (a partial run, a peer that failed, numpy
// absent) is reported as such, never as met.

import { bestCeiling } from './gemm.mjs';
import { PEERS } from './peers/index.mjs';
import { WORKLOADS } from './workloads.mjs';

// "JS peers" are the one-core JavaScript libraries under Node: not simdnet's own builds, not the
// native reference, not a multi-threaded run, not a run in a browser.
const JS_PEERS = PEERS.filter(
  (p) => !p.id.startsWith('simdnet-') && !p.id.startsWith('numpy') && (p.cores ?? 1) === 1 && !p.browser,
).map((p) => p.id);

/**
 * [{ goal, measured, verdict: 'met' | 'not met' | 'not measured' }] for the run's rows, GEMM
 * results and memory of many small networks (bench/many-networks.mjs).
 */
export function judgeGoals(rows, gemm, manyNetworks) {
  const row = (workload, library) => rows.find((r) => r.workload === workload && r.library === library);
  const median = (workload, library, kind) => row(workload, library)?.[kind]?.median;
  // One library's rate over another's, or undefined when either is missing.
  const over = (workload, mine, theirs, kind = 'train') => {
    const a = median(workload, mine, kind);
    const b = median(workload, theirs, kind);
    return a && b ? a / b : undefined;
  };
  const simdOver = (workload, library, kind) => over(workload, 'simdnet-simd', library, kind);
  // The fastest JS peer at this measurement, or { missing } naming a peer that should have run
  // and did not (left out of the run or failed): the fastest is then unknown. A peer that cannot
  // run this workload by design (synaptic on W3/W4) does not count.
  const fastestJsPeer = (workload, kind) => {
    let fastest;
    for (const library of JS_PEERS) {
      if (row(workload, library)?.unavailable) continue;
      const rate = median(workload, library, kind);
      if (rate === undefined) return { missing: library };
      if (!fastest || rate > fastest.rate) fastest = { library, rate };
    }
    return fastest ?? { missing: 'every JS peer' };
  };
  const againstFastest = (workload, mine, kind, min, name = (peer) => peer) => {
    const peer = fastestJsPeer(workload, kind);
    return peer.missing
      ? times(`${name(peer.missing)} (fastest JS peer unknown)`, undefined, min)
      : times(name(peer.library), over(workload, mine, peer.library, kind), min);
  };
  // simdnet SIMD's predictInto against the fastest JS peer's one call per batch.
  const intoAgainstFastest = (workload, min) => {
    const peer = fastestJsPeer(workload, 'infer');
    const mine = median(workload, 'simdnet-simd', 'inferInto');
    if (peer.missing) return times(`predictInto over ${peer.missing} (fastest JS peer unknown)`, undefined, min);
    return times(`predictInto over ${peer.library}`, mine && mine / peer.rate, min);
  };
  // simdnet SIMD's W1 training over W1's floor (bench/ceiling.ts tinyRowLoop, timed by the GEMM child).
  const floorShare = () => {
    const rate = median('W1', 'simdnet-simd', 'train');
    return rate && gemm?.w1Floor ? rate / gemm.w1Floor.median : undefined;
  };
  const inference = (workload, library, min) => [
    times(`${workload} batch`, simdOver(workload, library, 'infer'), min),
    times(`${workload} 1,024 rows`, simdOver(workload, library, 'inferBulk'), min),
  ];
  // The products of W4's hidden layers: its output layer's (10 columns, or k = 10) are under
  // 1 % of the work and are bound by packing and fixed costs rather than by the tile.
  const w4 = WORKLOADS.find((w) => w.id === 'W4');
  const w4Output = `W4 L${w4.sizes.length - 1}`;
  const w4Shapes = gemm?.shapes?.filter((s) => s.usedBy.some((u) => u.startsWith('W4 ') && u !== w4Output)) ?? [];
  // A kernel's median over the ceiling: as report.mjs derives it (or an archived run recorded
  // it), else from the median and the ceiling; undefined when neither is known.
  const share = ({ simd }) => {
    if (simd?.percentOfCeiling) return simd.percentOfCeiling.median / 100;
    return simd?.median !== undefined && gemm.ceiling ? simd.median / bestCeiling(gemm.ceiling) : undefined;
  };
  return [
    judged("W1 training ≥ 70 % of its floor, ≥ 1.3× synaptic and ≥ 2× brain.js", [
      percent('floor', floorShare(), 70),
      times('synaptic', simdOver('W1', 'synaptic'), 1.3),
      times('brain.js', simdOver('W1', 'brainjs'), 2),
    ]),
    judged('W1 one-row inference ≥ 1.2× the fastest JS peer: predict, and predictInto into a kept array', [
      againstFastest('W1', 'simdnet-simd', 'infer', 1.2, (peer) => `predict over ${peer}`),
      intoAgainstFastest('W1', 1.2),
    ]),
    judged('W2 training ≥ 5× the fastest JS peer', [againstFastest('W2', 'simdnet-simd', 'train', 5)]),
    judged('W3 training ≥ 5× TF.js wasm', [times('tfjs-wasm', simdOver('W3', 'tfjs-wasm'), 5)]),
    judged('W3 training ≥ 30 % of numpy', [percent('numpy', simdOver('W3', 'numpy'), 30)]),
    judged('W4 training ≥ 20× TF.js wasm', [times('tfjs-wasm', simdOver('W4', 'tfjs-wasm'), 20)]),
    judged('W4 training ≥ 40 % of numpy', [percent('numpy', simdOver('W4', 'numpy'), 40)]),
    judged(
      "W4 hidden layers' GEMM shapes ≥ 75 % of the ceiling (medians)",
      w4Shapes.length
        ? w4Shapes.map((s) => percent(`${s.form} ${s.m}×${s.n}×${s.k}`, share(s), 75))
        : [percent('GEMM', undefined, 75)],
    ),
    judged(
      'Inference ≥ 10× brain.js on 1,024-row calls',
      ['W1', 'W2', 'W3', 'W4'].map((w) => times(w, simdOver(w, 'brainjs', 'inferBulk'), 10)),
    ),
    judged('W3 inference ≥ 1.3× TF.js wasm', inference('W3', 'tfjs-wasm', 1.3)),
    judged('W4 inference ≥ 1.3× TF.js wasm', inference('W4', 'tfjs-wasm', 1.3)),
    judged('W3 and W4 ≥ 1.8× on 2 threads over 1: training and 1,024-row inference', ['W3', 'W4'].flatMap((w) => [
      times(`${w} training`, over(w, 'simdnet-simd-2t', 'simdnet-simd'), 1.8),
      times(`${w} 1,024 rows`, over(w, 'simdnet-simd-2t', 'simdnet-simd', 'inferBulk'), 1.8),
    ])),
    judged("W1 and W2 with threads 'auto' train within 5 % of one thread", ['W1', 'W2'].map(
      (w) => times(w, over(w, 'simdnet-auto', 'simdnet-simd'), 0.95),
    )),
    judged('On 2 threads, W3 training ≥ 50 % and W4 ≥ 40 % of numpy on 2 threads', [
      percent('W3', over('W3', 'simdnet-simd-2t', 'numpy-2t'), 50),
      percent('W4', over('W4', 'simdnet-simd-2t', 'numpy-2t'), 40),
    ]),
    judged('1,000 networks of 64-32-10 alive at once: under 100 MB RSS', [
      megabytes('resident set growth', manyNetworks?.rssBytes, 100),
    ]),
    judged(
      'The scalar build trains W2–W4 faster than every JS peer',
      ['W2', 'W3', 'W4'].map((w) => ({
        ...againstFastest(w, 'simdnet-scalar', 'train', 1, (peer) => `${w} over ${peer}`),
        strict: true,
      })),
    ),
  ];
}

// A figure: its label, this run's value (undefined: not measured) and the least value that
// meets it. Shown rounded down, so a figure short of its threshold never prints as reaching it.
function times(label, value, min) {
  return { label, value, min, text: value === undefined ? '—' : `${roundDown(value, value >= 10 ? 1 : 2)}×` };
}

function percent(label, share, min) {
  const value = share === undefined ? undefined : 100 * share;
  return { label, value, min, text: value === undefined ? '—' : `${roundDown(value, 1)} %` };
}

// A figure that must stay under `max` MB (2^20 bytes). Shown rounded up, so a figure at or over
// its limit never prints as under it.
function megabytes(label, bytes, max) {
  const value = bytes === undefined ? undefined : bytes / 2 ** 20;
  return { label, value, max, text: value === undefined ? '—' : `${(Math.ceil(value * 10) / 10).toFixed(1)} MB` };
}

// The tolerance keeps a ratio that float division leaves a hair under a round number at it.
const roundDown = (value, digits) => (Math.floor(value * 10 ** digits + 1e-9) / 10 ** digits).toFixed(digits);

// Not met as soon as one measured figure misses; not measured when none misses but some is missing.
// The same tolerance as roundDown's: a ratio float division leaves a hair under its threshold meets it.
function judged(goal, figures) {
  const misses = ({ value, min, max, strict }) => {
    if (value === undefined) return false;
    if (max !== undefined) return value >= max;
    return strict ? value <= min : value < min - 1e-9;
  };
  return {
    goal,
    measured: figures.map((f) => `${f.label} ${f.text}`).join(', '),
    verdict: figures.some(misses) ? 'not met' : figures.some((f) => f.value === undefined) ? 'not measured' : 'met',
  };
}
