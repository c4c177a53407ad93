// One library measured on one workload, wherever it runs (a child process, a browser page):
// set up on the workload's data, each measurement warmed up and its calls sized, then one
// repetition per request, so that run.mjs can interleave every library's repetitions.

import { calibrate, repetition } from './measure.mjs';
import { wasmMemoryBytes } from './wasm-memory.mjs';
import { generateData, parameterCount } from './workloads.mjs';

/**
 * Sets `adapter` (a peer module, see peers/index.mjs) up on the workload and warms it up:
 * { unavailable } when the peer cannot run the workload by design, else { bulk, into, rep(kind) →
 * items/s, finish() → { wasmBytesPerParam, peakRssBytes?, version? } }, finish disposing of it.
 */
export async function startSession(adapter, workload, variant, profile) {
  const unavailable = adapter.unavailableReason?.(workload);
  if (unavailable) return { unavailable };
  const instance = await adapter.setup(workload, generateData(workload), variant);
  const runs = { train: (n) => instance.trainChunk(n), infer: (n) => instance.infer(n) };
  // A library without a batch API predicts row by row either way: run.mjs reuses `infer`.
  if (instance.inferBulk) runs.inferBulk = (n) => instance.inferBulk(n);
  if (instance.inferInto) runs.inferInto = (n) => instance.inferInto(n);
  const units = { train: await calibrate(runs.train, profile) };
  const wasmBytes = wasmMemoryBytes();
  for (const kind of ['infer', 'inferBulk', 'inferInto'].filter((k) => runs[k])) units[kind] = await calibrate(runs[kind], profile);
  return {
    bulk: Boolean(runs.inferBulk),
    into: Boolean(runs.inferInto),
    rep: (kind) => repetition(runs[kind], units[kind], profile),
    async finish() {
      const { peakRssBytes, version } = (await instance.stats?.()) ?? {};
      instance.dispose();
      return { wasmBytesPerParam: wasmBytes > 0 ? wasmBytes / parameterCount(workload) : null, peakRssBytes, version };
    },
  };
}
