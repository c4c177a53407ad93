// Child process of test/relaxed.spec.ts: `node [flags] relaxed-xor.mjs <entry>` loads the built
// library from <entry> (dist/index.js by import, dist/index.cjs by require), asks for the relaxed
// build and trains XOR, and prints what happened as JSON.

import { createRequire } from 'node:module';

const entry = process.argv[2];
const { Network, relaxedSimdSupported } = entry.endsWith('.cjs') ? createRequire(import.meta.url)(entry) : await import(entry);
const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
const y = [[0], [1], [1], [0]];
let net;
try {
  net = await Network.create({
    inputs: 2, layers: [{ units: 16, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }],
    loss: 'binaryCrossentropy', seed: 3, backend: 'relaxed',
  });
  await net.fit(x, y, { epochs: 500, batchSize: 4, optimizer: { type: 'adam', learningRate: 0.05 } });
  console.log(JSON.stringify({ supported: relaxedSimdSupported(), backend: net.backend, accuracy: net.evaluate(x, y).accuracy }));
} catch (error) {
  console.log(JSON.stringify({ supported: relaxedSimdSupported(), error: String(error?.message ?? error), created: net !== undefined }));
}
