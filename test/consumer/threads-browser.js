// The threaded page script: the same seeded network trained on 1, 2 and 4 threads, with the
// thread count each ran on and a SHA-256 of its weights, and whether the page is cross-origin
// isolated (threads need it; without it every network runs on one thread).
import { Network } from 'simdnet';
import 'simdnet/threads';
import { report } from './report.js';

async function sha256(bytes) {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function trainOnThreads() {
  const rows = 256;
  const inputs = 300;
  let state = 7;
  const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const x = Float32Array.from({ length: rows * inputs }, random);
  const y = new Float32Array(rows * 4);
  for (let r = 0; r < rows; r++) y[r * 4 + (r % 4)] = 1;
  const runs = [];
  for (const threads of [1, 2, 4]) {
    const net = await Network.create({
      inputs, layers: [{ units: 160, activation: 'relu' }, { units: 4, activation: 'softmax' }],
      loss: 'categoricalCrossentropy', seed: 3, threads,
    });
    await net.fit(x, y, { epochs: 2, batchSize: 64 });
    const weights = net.getWeights().flatMap((l) => [...l.weights, ...l.bias]);
    runs.push({ asked: threads, threads: net.threads, hash: await sha256(Float32Array.from(weights)) });
    net.dispose();
  }
  return { isolated: globalThis.crossOriginIsolated === true, runs };
}

report(trainOnThreads());
