// Trains in a Web Worker so the page stays responsive. Messages in:
// { type: 'train', dataset, hidden: number[], activation, learningRate } and { type: 'stop' }.
// Messages out: { type: 'progress', epoch, loss, accuracy, grid: Float32Array } and { type: 'error', message }.

import { Network } from '../../dist/index.js';
import { makeDataset } from './datasets.js';

const GRID = 64;
const ROUND_MS = 50;
const EPOCHS_PER_FIT = 5;
// The number of the latest train or stop message: a training loop runs while it is its own.
let latest = 0;

// The points of a GRID × GRID lattice over [-1, 1]², row by row from the top (y = 1) down.
const lattice = new Float32Array(GRID * GRID * 2);
for (let r = 0; r < GRID; r++) {
  for (let c = 0; c < GRID; c++) {
    lattice[2 * (r * GRID + c)] = ((c + 0.5) / GRID) * 2 - 1;
    lattice[2 * (r * GRID + c) + 1] = 1 - ((r + 0.5) / GRID) * 2;
  }
}

async function train({ dataset, hidden, activation, learningRate }) {
  const mine = ++latest;
  const { x, y } = makeDataset(dataset);
  const net = await Network.create({
    inputs: 2,
    layers: [...hidden.map((units) => ({ units, activation })), { units: 1, activation: 'sigmoid' }],
    loss: 'binaryCrossentropy',
    seed: 1,
  });
  let epoch = 0;
  try {
    while (mine === latest) {
      // Train for about a frame's worth of time between updates of the page.
      const started = performance.now();
      while (performance.now() - started < ROUND_MS) {
        await net.fit(x, y, { epochs: EPOCHS_PER_FIT, batchSize: 16, optimizer: { type: 'adam', learningRate } });
        epoch += EPOCHS_PER_FIT;
      }
      const { loss, accuracy } = net.evaluate(x, y);
      const grid = net.predict(lattice);
      self.postMessage({ type: 'progress', epoch, loss, accuracy, grid }, [grid.buffer]);
      await new Promise((resolve) => setTimeout(resolve, 0)); // let a 'stop' message in
    }
  } finally {
    net.dispose();
  }
}

self.onmessage = ({ data }) => {
  if (data.type === 'stop') latest++;
  if (data.type === 'train') train(data).catch((e) => self.postMessage({ type: 'error', message: String(e.message ?? e) }));
};
