// `npm run demo`: trains on the UCI handwritten digits with a held-out test split,
// or with `--mnist DIR` on MNIST, and prints test accuracy, a confusion matrix and the time taken.

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { progressBar } from './progress.mjs';

// The demo runs the built library; say how to build it rather than fail on an import.
if (!existsSync(new URL('../dist/index.js', import.meta.url))) {
  console.error('demo: dist/index.js is missing: run npm install (or npm run build) first');
  process.exit(1);
}
const { DIGITS_DEFAULTS, trainDigits } = await import('./digits.mjs');
const { MNIST_DEFAULTS, trainMnist } = await import('./mnist.mjs');

const HELP = `Usage: npm run demo [-- options]

Trains a network on the UCI handwritten digits (examples/data/digits/, 1797 8×8 images)
with a stratified 80/20 split, and reports test accuracy, a confusion matrix and the time taken.

Options:
  --mnist DIR   train on MNIST instead, ${describe(784, MNIST_DEFAULTS)}:
                DIR holds the four idx files (.gz or not), e.g. ../shared/data/mnist
  --seed N      seed of the split, the initial weights and the shuffling (default 42)
  -h, --help    show this help`;

const number = (n) => Math.round(n).toLocaleString('en-US');

// "64-128-128-10 (relu, softmax), Adam, 40 epochs" from a demo's settings.
function describe(inputs, { hidden, phases }) {
  const epochs = phases.reduce((sum, phase) => sum + phase.epochs, 0);
  return `${[inputs, ...hidden, 10].join('-')} (relu, softmax), Adam, ${epochs} epochs`;
}

function formatConfusion(confusion) {
  const cell = (v) => String(v).padStart(5);
  const header = `actual \\ predicted${confusion.map((_, j) => cell(j)).join('')}`;
  return [header, ...confusion.map((row, i) => `${String(i).padStart(18)}${row.map(cell).join('')}`)].join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: {
      mnist: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)) {
    throw new Error(`--seed must be an integer from 0 to 4294967295, got '${values.seed}'`);
  }
  const bar = progressBar();
  const perEpoch = Boolean(values.mnist);
  const onProgress = (p) => {
    const where = p.type === 'batch' ? (p.epoch - 1 + p.rowsDone / p.rows) / p.epochs : p.epoch / p.epochs;
    const text = `epoch ${String(p.epoch).padStart(2)}/${p.epochs}  loss ${p.loss.toFixed(4)}  ${number(p.samplesPerSecond)} samples/s`;
    if (p.type === 'epoch' && perEpoch) {
      bar.log(`${text}  train accuracy ${(p.accuracy * 100).toFixed(2)}%  ${p.seconds.toFixed(2)} s`);
    }
    bar.update(where, text);
  };
  const options = { onProgress, ...(seed === undefined ? {} : { seed }) };

  let result;
  if (values.mnist) {
    console.log(`MNIST from ${values.mnist}: ${describe(784, MNIST_DEFAULTS)}`);
    result = await trainMnist(values.mnist, options);
  } else {
    console.log(`UCI handwritten digits (8×8): ${describe(64, DIGITS_DEFAULTS)}`);
    result = await trainDigits(options);
  }
  bar.done();

  const epochs = result.epochs;
  const meanEpoch = epochs.reduce((s, e) => s + e.seconds, 0) / epochs.length;
  const samplesPerSecond = (result.trainRows * epochs.length) / result.trainSeconds;
  console.log(`trained on ${number(result.trainRows)} rows in ${result.trainSeconds.toFixed(2)} s ` +
    `(${meanEpoch.toFixed(2)} s per epoch, ${number(samplesPerSecond)} samples/s, ${result.backend} kernels)`);
  console.log(`test accuracy: ${(result.accuracy * 100).toFixed(2)}% on ${number(result.testRows)} held-out rows\n`);
  console.log(formatConfusion(result.confusion));
  console.log(`\ntime taken: ${result.seconds.toFixed(2)} s`);
}

main().catch((error) => {
  console.error(`demo: ${error.message}`);
  process.exitCode = 1;
});
