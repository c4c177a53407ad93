// A measurement in a process of its own (pinned by run.mjs):
//   node child.mjs <profile> library <peer id> <workload id>
//     sets the library up and warms it, then runs one repetition of a measurement each time
//     run.mjs asks over the IPC channel, so that run.mjs can interleave every library's
//     repetitions (see run.mjs); a browser peer runs in a page this process drives;
//   node child.mjs <profile> gemm <workload ids…>
//     runs the GEMM micro-benchmark and sends its result, or { error };
//   node --expose-gc child.mjs <profile> many-networks
//     measures the memory of many small networks alive at once and sends it, or { error };
//   node child.mjs <profile> core-latency
//     measures how long a cache line takes to cross between two cores and sends it, or { error }.

import { readFileSync } from 'node:fs';
import { measureCoreToCore } from './core-latency.mjs';
import { runGemmBenchmark } from './gemm.mjs';
import { measureManyNetworks } from './many-networks.mjs';
import { PROFILES } from './measure.mjs';
import { findPeer } from './peers/index.mjs';
import { startSession } from './session.mjs';
import { watchWasmMemory } from './wasm-memory.mjs';
import { findWorkload } from './workloads.mjs';

const [profileName, task, ...args] = process.argv.slice(2);
const profile = PROFILES[profileName];
const firstLine = (error) => String(error?.message ?? error).split('\n')[0];

if (task === 'library') {
  await serveLibrary(findPeer(args[0]), findWorkload(args[1]));
} else {
  try {
    const measure = {
      gemm: () => runGemmBenchmark(profile, args.map(findWorkload)),
      'many-networks': measureManyNetworks,
      'core-latency': measureCoreToCore,
    }[task];
    reply(await measure(), true);
  } catch (error) {
    reply({ error: firstLine(error) }, true);
  }
}

// Replies to run.mjs: { ready, bulk, into } (or { unavailable } / { error }) once warmed up, then
// { rate } per { rep: kind }, and the library's figures on { finish }, after which it exits.
async function serveLibrary(peer, workload) {
  let session;
  try {
    // Only a browser peer's process loads playwright and esbuild, which would swell the others' resident set.
    session = peer.browser
      ? await (await import('./browser.mjs')).startBrowserSession(peer, workload, profileName)
      : await startNodeSession(peer, workload);
  } catch (error) {
    return reply({ error: firstLine(error) }, true);
  }
  if (session.unavailable) return reply({ unavailable: session.unavailable }, true);
  process.on('message', async (message) => {
    try {
      if (message.rep) {
        reply({ rate: await session.rep(message.rep) });
        return;
      }
      const figures = await session.finish();
      reply({ ...figures, version: figures.version ?? packageVersion(peer.package) }, true);
    } catch (error) {
      reply({ error: firstLine(error) }, true);
    }
  });
  reply({ ready: true, bulk: session.bulk, into: session.into });
}

// The library in this process; its peak resident set is this process's unless it reports its own (numpy's python).
async function startNodeSession(peer, workload) {
  watchWasmMemory();
  const adapter = await import(new URL(`./peers/${peer.module}`, import.meta.url));
  const session = await startSession(adapter, workload, peer.variant ?? {}, profile);
  if (session.unavailable) return session;
  return {
    ...session,
    async finish() {
      const figures = await session.finish();
      return { ...figures, peakRssBytes: figures.peakRssBytes ?? process.resourceUsage().maxRSS * 1024 };
    },
  };
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
