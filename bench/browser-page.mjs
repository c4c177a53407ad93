// The page side of a browser peer (browser.mjs bundles it with the peer's module): a session of
// session.mjs, started, repeated and finished by browser.mjs through page.evaluate.

import { PROFILES } from './measure.mjs';
import { startSession } from './session.mjs';
import { watchWasmMemory } from './wasm-memory.mjs';
import { findWorkload } from './workloads.mjs';

/** Exposes globalThis.benchSession: start(workload id, variant, profile name), rep(kind), finish(). */
export function servePeer(adapter) {
  watchWasmMemory();
  let session;
  globalThis.benchSession = {
    async start(workloadId, variant, profileName) {
      session = await startSession(adapter, findWorkload(workloadId), variant, PROFILES[profileName]);
      return { unavailable: session.unavailable, bulk: session.bulk };
    },
    rep: (kind) => session.rep(kind),
    finish: () => session.finish(),
  };
}
