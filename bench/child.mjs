// A measurement in a process of its own (pinned by run.mjs):
//   node child.mjs <profile> library <peer id> <workload id>
//     sets the library up and warms it, then runs one repetition of a measurement each time
//     run.mjs asks over the IPC channel, so that run.mjs can interleave every library's
//     repetitions (see run.mjs);
//   node child.mjs <profile> gemm <workload ids…>
//     runs the GEMM micro-benchmark and sends its result, or { error }.

import { readFileSync } from 'node:fs';
import { runGemmBenchmark } from './gemm.mjs';
import { calibrate, PROFILES, repetition } from './measure.mjs';
import { findPeer } from './peers/index.mjs';
import { watchWasmMemory, wasmMemoryBytes } from './wasm-memory.mjs';
import { findWorkload, generateData, parameterCount } from './workloads.mjs';

const [profileName, task, ...args] = process.argv.slice(2);
const profile = PROFILES[profileName];
const firstLine = (error) => String(error?.message ?? error).split('\n')[0];

if (task === 'gemm') {
  try {
    reply(await runGemmBenchmark(profile, args.map(findWorkload)), true);
  } catch (error) {
    reply({ error: firstLine(error) }, true);
  }
} else {
  await serveLibrary(findPeer(args[0]), findWorkload(args[1]));
}

// Replies to run.mjs: { ready, bulk } (or { unavailable } / { error }) once warmed up, then
// { rate } per { rep: kind }, and the library's figures on { finish }, after which it exits.
async function serveLibrary(peer, workload) {
  let instance;
  const runs = {};
  const units = {};
  let wasmBytes = 0;
  try {
    watchWasmMemory();
    const adapter = await import(new URL(`./peers/${peer.module}`, import.meta.url));
    const unavailable = adapter.unavailableReason?.(workload);
    if (unavailable) return reply({ unavailable }, true);
    instance = await adapter.setup(workload, generateData(workload), peer.variant ?? {});
    runs.train = (n) => instance.trainChunk(n);
    runs.infer = (n) => instance.infer(n);
    // A library without a batch API predicts row by row either way: run.mjs reuses `infer`.
    if (instance.inferBulk) runs.inferBulk = (n) => instance.inferBulk(n);
    units.train = await calibrate(runs.train, profile);
    wasmBytes = wasmMemoryBytes();
    for (const kind of ['infer', 'inferBulk'].filter((k) => runs[k])) units[kind] = await calibrate(runs[kind], profile);
  } catch (error) {
    return reply({ error: firstLine(error) }, true);
  }
  process.on('message', async (message) => {
    try {
      if (message.rep) {
        reply({ rate: await repetition(runs[message.rep], units[message.rep], profile) });
        return;
      }
      const stats = (await instance.stats?.()) ?? {};
      instance.dispose();
      reply({
        wasmBytesPerParam: wasmBytes > 0 ? wasmBytes / parameterCount(workload) : null,
        peakRssBytes: stats.peakRssBytes ?? process.resourceUsage().maxRSS * 1024,
        version: stats.version ?? packageVersion(peer.package),
      }, true);
    } catch (error) {
      reply({ error: firstLine(error) }, true);
    }
  });
  reply({ ready: true, bulk: Boolean(runs.inferBulk) });
}

// Sends a message to run.mjs; after the last one the process exits, since some libraries
// leave workers or timers behind.
function reply(message, last = false) {
  process.send(message, () => {
    if (last) process.exit(0);
  });
}

function packageVersion(name) {
  if (!name) return null;
  const path = name === '.' ? '../package.json' : `../node_modules/${name}/package.json`;
  return JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')).version;
}
