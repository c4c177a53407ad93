// Run by test/soak.spec.ts as `node --expose-gc test/soak/child.mjs` on the built dist/:
// creates, trains and disposes thousands of networks, tries networks too large for wasm
// memory along the way, and prints one JSON line of memory figures and checks.

import { Network, SimdnetError } from '../../dist/index.js';

const CYCLES = Number(process.argv[2] ?? 3000);
const WARM_UP = 300;
const small = (seed) => ({
  inputs: 4, layers: [{ units: 16, activation: 'relu' }, { units: 3, activation: 'softmax' }], loss: 'categoricalCrossentropy', seed,
});
const x = Float32Array.from({ length: 32 * 4 }, (_, i) => Math.sin(i));
const y = Float32Array.from({ length: 32 * 3 }, (_, i) => Number(i % 3 === Math.floor(i / 3) % 3));
const huge = { inputs: 2 ** 20, layers: [{ units: 2 ** 12, activation: 'relu' }], loss: 'squaredError' };
const bits = (values) => Array.from(new Uint32Array(Float32Array.from(values).buffer)).join(',');

async function cycle(i) {
  const net = await Network.create(small(i));
  // Every 7th network stages a bigger batch, so memories of several sizes come and go.
  await net.fit(i % 7 === 0 ? new Float32Array(4096 * 4).fill(0.5) : x, i % 7 === 0 ? new Float32Array(4096 * 3).fill(1 / 3) : y, {
    epochs: 2, batchSize: 8,
  });
  net.predict(x);
  net.dispose();
}

function settle() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  const { rss, external, arrayBuffers } = process.memoryUsage();
  return { rss, external, arrayBuffers };
}

const live = await Network.create(small(12345));
await live.fit(x, y, { epochs: 5 });
const livePrediction = bits(live.predict(x));
const started = performance.now();
for (let i = 0; i < WARM_UP; i++) await cycle(i);
const warm = settle();
let sizeErrors = 0;
let otherErrors = [];
for (let i = 0; i < CYCLES; i++) {
  await cycle(WARM_UP + i);
  if (i % 250 === 0) {
    try {
      await Network.create(huge);
    } catch (error) {
      if (error instanceof SimdnetError && /4 GiB/.test(error.message)) sizeErrors++;
      else otherErrors.push(String(error));
    }
    if (i % 1000 === 0) globalThis.gc();
  }
}
const after = settle();
const liveUnchanged = bits(live.predict(x)) === livePrediction;
const before = live.evaluate(x, y).loss;
await live.fit(x, y, { epochs: 5 });
const liveTrains = live.evaluate(x, y).loss < before;
console.log(JSON.stringify({
  cycles: CYCLES, warm, after, sizeErrors, otherErrors, liveUnchanged, liveTrains, ms: Math.round(performance.now() - started),
}));
