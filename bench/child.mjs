// One measurement in a process of its own (pinned by run.mjs):
//   node child.mjs <out.json> <profile> library <peer id> <workload id>
//   node child.mjs <out.json> <profile> gemm <workload ids…>
// writes its result, or { error }, to out.json.

import { readFileSync, writeFileSync } from 'node:fs';
import { runGemmBenchmark } from './gemm.mjs';
import { PROFILES, throughput } from './measure.mjs';
import { findPeer } from './peers/index.mjs';
import { watchWasmMemory, wasmMemoryBytes } from './wasm-memory.mjs';
import { findWorkload, generateData, parameterCount } from './workloads.mjs';

const [out, profileName, task, ...args] = process.argv.slice(2);
const profile = PROFILES[profileName];
let result;
try {
  result = task === 'gemm'
    ? await runGemmBenchmark(profile, args.map(findWorkload))
    : await measureLibrary(findPeer(args[0]), findWorkload(args[1]), profile);
} catch (error) {
  result = { error: String(error?.message ?? error).split('\n')[0] };
}
writeFileSync(out, JSON.stringify(result));
// Some libraries leave workers or timers behind; the measurement is done.
process.exit(0);

async function measureLibrary(peer, workload, profile) {
  watchWasmMemory();
  const adapter = await import(new URL(`./peers/${peer.module}`, import.meta.url));
  const unavailable = adapter.unavailableReason?.(workload);
  if (unavailable) return { unavailable };
  const session = await adapter.setup(workload, generateData(workload), peer.variant ?? {});
  const train = await throughput((units) => session.trainChunk(units), profile);
  const wasmBytes = wasmMemoryBytes();
  const infer = await throughput((units) => session.infer(units), profile);
  // A library without a batch API predicts row by row either way: one measurement serves both.
  const inferBulk = session.inferBulk ? await throughput((units) => session.inferBulk(units), profile) : infer;
  const stats = (await session.stats?.()) ?? {};
  session.dispose();
  return {
    train,
    infer,
    inferBulk,
    wasmBytesPerParam: wasmBytes > 0 ? wasmBytes / parameterCount(workload) : null,
    peakRssBytes: stats.peakRssBytes ?? process.resourceUsage().maxRSS * 1024,
    version: stats.version ?? packageVersion(peer.package),
  };
}

function packageVersion(name) {
  if (!name) return null;
  const path = name === '.' ? '../package.json' : `../node_modules/${name}/package.json`;
  return JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')).version;
}
