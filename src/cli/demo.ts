// `simdnet demo` (and `npm run demo`): trains on the UCI handwritten digits with a held-out
// test split, or with --mnist DIR on MNIST, and prints test accuracy, a confusion matrix
// and the time taken.

import { formatCount } from '../text.js';
import { layersOption, numberOption, readCommand } from './args.js';
import { type Io, println } from './command.js';
import { UsageError } from './errors.js';
import type { ClassifierProgress, ClassifierSettings, Phase } from './demo/classifier.js';
import { DIGITS_DEFAULTS, trainDigits } from './demo/digits.js';
import { MNIST_DEFAULTS, trainMnist } from './demo/mnist.js';
import { progressBar } from './progress.js';

export const summary = 'train on handwritten digits (or MNIST) and report test accuracy';

// "64-128-128-10 (relu, softmax), Adam, 40 epochs" from a demo's settings.
function describe(inputs: number, { hidden, dropout, phases }: ClassifierSettings): string {
  const epochs = phases.reduce((sum, phase) => sum + phase.epochs, 0);
  const dropped = dropout > 0 ? `, dropout ${dropout}` : '';
  return `${[inputs, ...hidden, 10].join('-')} (relu${dropped}, softmax), Adam, ${epochs} epochs`;
}

export const help = `Usage: simdnet demo [options]

Trains a network on the UCI handwritten digits (1797 8×8 images, shipped in data/digits/)
with a stratified 80/20 split, and reports test accuracy, a confusion matrix and the time taken:
${describe(64, DIGITS_DEFAULTS)}.

Options:
  --mnist <dir>  train on MNIST instead, ${describe(784, MNIST_DEFAULTS)}:
                 <dir> holds the four MNIST idx files (.gz or not): train-images-idx3-ubyte,
                 train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte
  --epochs <n>   train n epochs instead, the last quarter of them at a tenth of the rate
  --layers <n,…> the hidden layers' units instead, such as 256,128 (or 'none')
  --dropout <p>  drop each hidden unit with probability p while training (default 0)
  --seed <n>     seed of the split, the initial weights and the shuffling (default 42)
  -h, --help     show this help`;

// n epochs in the defaults' two phases: the last quarter at the second phase's lower rate.
function phasesOf(epochs: number, [first, last]: Phase[]): Phase[] {
  const settling = Math.floor(epochs / 4);
  return [{ ...first!, epochs: epochs - settling }, ...(settling ? [{ ...last!, epochs: settling }] : [])];
}

function formatConfusion(confusion: number[][]): string {
  const cell = (v: number) => String(v).padStart(5);
  const header = `actual \\ predicted${confusion.map((_, j) => cell(j)).join('')}`;
  return [header, ...confusion.map((row, i) => `${String(i).padStart(18)}${row.map(cell).join('')}`)].join('\n');
}

const COMMAND_LINE = {
  name: 'demo',
  options: {
    mnist: { type: 'string' }, seed: { type: 'string' }, epochs: { type: 'string' }, layers: { type: 'string' }, dropout: { type: 'string' },
  },
  help,
  positionals: [],
} as const;

export async function run(argv: string[], io: Io): Promise<void> {
  const command = readCommand(COMMAND_LINE, argv, io);
  if (!command) return;
  const { values } = command;
  const seed = numberOption(values.seed, 'seed', 42, { min: 0, max: 2 ** 32 - 1, integer: true }, 'demo');
  const defaults = values.mnist === undefined ? DIGITS_DEFAULTS : MNIST_DEFAULTS;
  const hidden = layersOption(values.layers, defaults.hidden, 'demo');
  const dropout = numberOption(values.dropout, 'dropout', 0, { min: 0, max: 1, openMax: true }, 'demo');
  if (dropout > 0 && hidden.length === 0) throw new UsageError('--dropout drops hidden units, and --layers none leaves none', 'demo');
  const epochs = numberOption(values.epochs, 'epochs', 0, { min: 1, max: 10_000, integer: true }, 'demo');
  const chosen = { hidden, dropout, phases: epochs ? phasesOf(epochs, defaults.phases) : defaults.phases };
  const say = (line: string) => println(io.stdout, line);
  const bar = progressBar(io.stderr);
  const perEpoch = values.mnist !== undefined;
  const onProgress = (p: ClassifierProgress) => {
    const where = p.type === 'batch' ? (p.epoch - 1 + p.rowsDone / p.rows) / p.epochs : p.epoch / p.epochs;
    const text = `epoch ${String(p.epoch).padStart(2)}/${p.epochs}  loss ${p.loss.toFixed(4)}  ${formatCount(p.samplesPerSecond)} samples/s`;
    if (p.type === 'epoch' && perEpoch) bar.log(`${text}  train accuracy ${(p.accuracy * 100).toFixed(2)}%  ${p.seconds.toFixed(2)} s`);
    bar.update(where, text);
  };

  let result;
  if (values.mnist !== undefined) {
    say(`MNIST from ${values.mnist}: ${describe(784, { ...MNIST_DEFAULTS, ...chosen })}`);
    result = await trainMnist(values.mnist, { seed, ...chosen, onProgress });
  } else {
    say(`UCI handwritten digits (8×8): ${describe(64, { ...DIGITS_DEFAULTS, ...chosen })}`);
    result = await trainDigits({ seed, ...chosen, onProgress });
  }
  bar.done();

  const meanEpoch = result.epochs.reduce((s, e) => s + e.seconds, 0) / result.epochs.length;
  const samplesPerSecond = (result.trainRows * result.epochs.length) / result.trainSeconds;
  say(`trained on ${formatCount(result.trainRows)} rows in ${result.trainSeconds.toFixed(2)} s ` +
    `(${meanEpoch.toFixed(2)} s per epoch, ${formatCount(samplesPerSecond)} samples/s, ${result.backend} kernels)`);
  say(`test accuracy: ${(result.accuracy * 100).toFixed(2)}% on ${formatCount(result.testRows)} held-out rows\n`);
  say(formatConfusion(result.confusion));
  say(`\ntime taken: ${result.seconds.toFixed(2)} s`);
}
