// How long a cache line takes to cross from one core to another on this machine: the main thread
// and a worker take turns writing one Int32 of shared memory, each spinning until it sees the
// other's write. Two threads of simdnet hand work to each other the same way, and every line one
// of them writes and the other then reads pays this crossing, so it bounds what two threads gain
// on a network whose batches are small (the report's two-thread section).

import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

// A repetition's round trips take milliseconds on two cores.
const LIMIT_MS = 5000;

// The worker's side: answers each odd value with the next even one, `rounds` times per repetition.
const ANSWER = `
const { parentPort, workerData } = require('node:worker_threads');
const turn = new Int32Array(workerData.buffer);
parentPort.on('message', (rounds) => {
  parentPort.postMessage('started');
  for (let i = 1; i <= rounds; i++) {
    while (Atomics.load(turn, 0) !== 2 * i - 1);
    Atomics.store(turn, 0, 2 * i);
  }
  parentPort.postMessage('done');
});
`;

/**
 * One-way crossing time in nanoseconds, the median over `reps` repetitions of `rounds` round
 * trips each (half a round trip's time), and each repetition's figure; run in a process on
 * two cores or more.
 */
export async function measureCoreToCore({ rounds = 200_000, reps = 5 } = {}) {
  const buffer = new SharedArrayBuffer(64);
  const turn = new Int32Array(buffer);
  // No flags of this process's own: --input-type=module would make the worker's code a module.
  const worker = new Worker(ANSWER, { eval: true, execArgv: [], workerData: { buffer } });
  try {
    const perRep = [];
    // A first repetition warms both loops up and is not counted.
    for (let rep = 0; rep <= reps; rep++) {
      Atomics.store(turn, 0, 0);
      // The worker's messages reach this thread only while it is not spinning: wait for the worker
      // to start its loop before spinning, then for it to finish after.
      worker.postMessage(rounds);
      await reply(worker, 'started');
      const started = performance.now();
      for (let i = 1; i <= rounds; i++) {
        Atomics.store(turn, 0, 2 * i - 1);
        while (Atomics.load(turn, 0) !== 2 * i);
        // Two threads that share one core take turns only as the system switches between them.
        if (i % 4096 === 0 && performance.now() - started > LIMIT_MS) {
          throw new Error(`${i} round trips took over ${LIMIT_MS / 1000} s: the two threads do not run on two cores at once`);
        }
      }
      const ns = ((performance.now() - started) * 1e6) / rounds / 2;
      await reply(worker, 'done');
      if (rep > 0) perRep.push(ns);
    }
    const sorted = [...perRep].sort((a, b) => a - b);
    return { oneWayNs: sorted[sorted.length >> 1], reps: perRep };
  } finally {
    await worker.terminate();
  }
}

// The worker's next message, which must be `expected` (an error the worker throws rejects it).
async function reply(worker, expected) {
  const [message] = await once(worker, 'message');
  if (message !== expected) throw new Error(`the worker sent ${message}, not ${expected}`);
}
