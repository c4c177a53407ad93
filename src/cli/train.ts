// `simdnet train <csv>`: trains a network on a CSV file's rows and saves it as a model with
// the standardisation of its features (see model-file.ts). A file too large to hold in memory
// is read a chunk at a time (train-stream.ts).

import { type Activation, type EpochLog, Model, Network, type OptimizerName, parseCsvNumber } from '../index.js';
import { Rng } from '../random.js';
import { takeRows } from '../preprocessing/rows.js';
import { escaped, formatCount, quoted, someOf } from '../text.js';
import { choiceOption, numberOption, readCommand, TABLE_HELP, TABLE_OPTIONS, tableOptions } from './args.js';
import { type Io, println } from './command.js';
import { readTable, readTableChunks } from './csv.js';
import { TASKS } from './dataset.js';
import { CliError, UsageError } from './errors.js';
import { expectWritable, fileSize } from './files.js';
import { saveModel } from './model-file.js';
import { progressBar } from './progress.js';
import { CHUNK_ROWS, type Source, type Trained, type TrainingHooks, trainStreamed } from './train-stream.js';
import { encode, modelTarget, type Preprocessing, survey } from './training-data.js';

export const summary = 'train a network on a CSV file and save it';

const HIDDEN_ACTIVATIONS: readonly Activation[] = ['relu', 'leakyRelu', 'tanh', 'sigmoid', 'linear'];
const OPTIMIZERS: readonly OptimizerName[] = ['adam', 'momentum', 'sgd'];
/** Training sets at least this large report progress within each epoch, which costs a little speed. */
const BATCH_PROGRESS_ROWS = 20_000;
/** Files larger than this are read a chunk at a time unless --no-stream says otherwise. */
const STREAM_BYTES = 256 * 2 ** 20;
const DEFAULT_SHUFFLE_BUFFER = 100_000;
/** When streaming, a target with more distinct labels than this is not taken for classes. */
const MAX_STREAMED_CLASSES = 100_000;

export const help = `Usage: simdnet train <csv> [options]

Trains a fully-connected network on the rows of a CSV file: every column but the
target (and any dropped) is a numeric feature, standardised to mean 0 and
standard deviation 1. Classification (softmax output, cross-entropy) or regression
(linear output, squared error on the standardised target) is inferred from the
target column: text, or at most 20 distinct integers, means classification.

Options:
  -t, --target <column>      target column: a name from the header, or a 0-based
                             index, negative from the end (--target=-2);
                             default: the last column
      --task <task>          classification or regression (default: inferred)
      --drop <columns>       comma-separated columns to leave out (names or indices)
  -l, --layers <units>       hidden layer sizes, comma-separated (default: 32);
                             'none' for no hidden layer
  -a, --activation <name>    hidden activation: ${HIDDEN_ACTIVATIONS.join(', ')} (default: relu)
  -e, --epochs <n>           passes over the training rows (default: 100)
  -b, --batch-size <n>       rows per gradient step (default: 32)
      --optimizer <name>     ${OPTIMIZERS.join(', ')} (default: adam)
      --learning-rate <x>    step size (default: 0.001 for adam, 0.01 otherwise)
      --l2 <x>               L2 regularisation strength λ (default: 0)
      --validation-split <x> fraction of rows held out to report validation loss,
                             drawn at random (default: 0; not with --stream)
      --seed <n>             seed of the weights and the row order (default: 0)
      --no-shuffle           train on the rows in the file's order, every epoch
      --stream / --no-stream read the file a chunk of rows at a time, each epoch
                             again, so that memory holds a buffer of rows, not the
                             file (default: for files over ${STREAM_BYTES / 2 ** 20} MB)
      --shuffle-buffer <n>   with --stream: rows held and shuffled together; rows
                             are shuffled within the buffer, not across the file
                             (default: ${formatCount(DEFAULT_SHUFFLE_BUFFER)})
  -s, --save <model.json>    write the model and its standardisation to a file
${TABLE_HELP}
  -q, --quiet                no progress bar
  -h, --help                 show this help

Example:
  simdnet train iris.csv --target species --layers 16 --epochs 200 --save iris-model.json`;

const COMMAND_LINE = {
  name: 'train',
  help,
  positionals: ['csv'],
  options: {
    target: { type: 'string', short: 't' },
    task: { type: 'string' },
    drop: { type: 'string' },
    layers: { type: 'string', short: 'l' },
    activation: { type: 'string', short: 'a' },
    epochs: { type: 'string', short: 'e' },
    'batch-size': { type: 'string', short: 'b' },
    optimizer: { type: 'string' },
    'learning-rate': { type: 'string' },
    l2: { type: 'string' },
    'validation-split': { type: 'string' },
    seed: { type: 'string' },
    'no-shuffle': { type: 'boolean' },
    stream: { type: 'boolean' },
    'no-stream': { type: 'boolean' },
    'shuffle-buffer': { type: 'string' },
    save: { type: 'string', short: 's' },
    ...TABLE_OPTIONS,
    quiet: { type: 'boolean', short: 'q' },
  },
} as const;

type Values = NonNullable<ReturnType<typeof readCommand<typeof COMMAND_LINE.options>>>['values'];

/** The training settings from the command line, checked. */
function readSettings(values: Values) {
  const number = (name: keyof typeof COMMAND_LINE.options & string, fallback: number, range: Parameters<typeof numberOption>[3]) =>
    numberOption(values[name] as string | undefined, name, fallback, range, 'train');
  const optimizer = choiceOption(values.optimizer, 'optimizer', OPTIMIZERS, 'adam', 'train');
  const count = { min: 1, max: 1e9, integer: true };
  if (values.stream && values['no-stream']) throw new UsageError('--stream and --no-stream contradict each other', 'train');
  return {
    hidden: parseLayers(values.layers),
    activation: choiceOption(values.activation, 'activation', HIDDEN_ACTIVATIONS, 'relu', 'train'),
    optimizer,
    epochs: number('epochs', 100, count),
    batchSize: number('batch-size', 32, count),
    learningRate: number('learning-rate', optimizer === 'adam' ? 1e-3 : 1e-2, { min: 0, max: Infinity, openMin: true }),
    l2: number('l2', 0, { min: 0, max: Infinity }),
    validationSplit: number('validation-split', 0, { min: 0, max: 0.9 }),
    seed: number('seed', 0, { min: 0, max: 0xffffffff, integer: true }),
    task: values.task === undefined ? undefined : choiceOption(values.task, 'task', TASKS, 'classification', 'train'),
    shuffle: !values['no-shuffle'],
    stream: values.stream ? true : values['no-stream'] ? false : undefined,
    shuffleBuffer: number('shuffle-buffer', DEFAULT_SHUFFLE_BUFFER, count),
  };
}
type Settings = ReturnType<typeof readSettings>;

function parseLayers(value: string | undefined): number[] {
  if (value === undefined) return [32];
  if (value.trim() === 'none' || value.trim() === '') return [];
  return value.split(',').map((part) => {
    const units = parseCsvNumber(part) ?? NaN;
    if (!Number.isInteger(units) || units < 1) {
      throw new UsageError(`--layers must be comma-separated unit counts such as 64,32 (or 'none'), got ${quoted(value)}`, 'train');
    }
    return units;
  });
}

/** The rows fit trains on when it holds out a validation split (at the end of the shuffled rows). */
function trainingRows(rows: number, validationSplit: number): number {
  return validationSplit > 0 ? Math.floor(rows * (1 - validationSplit)) : rows;
}

/** The training data, and how to train on it: held in memory, or read from the file again each epoch. */
interface TrainingData {
  data: Preprocessing;
  /** Rows trained on per epoch (without the validation rows). */
  trainRows: number;
  train(network: Network, hooks: TrainingHooks): Promise<Trained & { last?: EpochLog }>;
}

/** Reads the whole file, learns its preprocessing and holds its rows, encoded, for fit. */
async function inMemory(file: string, values: Values, settings: Settings): Promise<TrainingData> {
  const options = tableOptions(values, 'train');
  const table = await readTable(file, options);
  const data = await survey(file, [table], dataOptions(values, settings, Infinity));
  const { validationSplit, epochs, batchSize } = settings;
  const trainRows = trainingRows(data.rows, validationSplit);
  if (validationSplit > 0 && (trainRows === 0 || trainRows === data.rows)) {
    throw new CliError(
      `--validation-split ${validationSplit} of ${data.rows} rows leaves ${data.rows - trainRows} for validation ` +
        `and ${trainRows} for training; both need at least one`,
    );
  }
  const { x, y } = encode(table, data, options.dropMissing);
  return {
    data,
    trainRows,
    async train(network, hooks) {
      const order = settings.shuffle ? shuffledRows(data.rows, settings.seed) : undefined;
      const inOrder = (values: Float32Array) => (order ? takeRows(values, values.length / data.rows, order) : values);
      let last: EpochLog | undefined;
      const history = await network.fit(inOrder(x), inOrder(y), {
        epochs,
        batchSize,
        shuffle: settings.shuffle,
        optimizer: { type: settings.optimizer, learningRate: settings.learningRate },
        l2: settings.l2,
        validationSplit,
        signal: hooks.signal,
        onEpochEnd: (log) => {
          last = log;
          hooks.onEpochEnd(log);
          hooks.onRows(log.epoch * trainRows);
        },
        ...(trainRows >= BATCH_PROGRESS_ROWS
          ? { onBatchEnd: ({ epoch, batch }) => hooks.onRows((epoch - 1) * trainRows + Math.min(batch * batchSize, trainRows)) }
          : {}),
      });
      return { epochs: history.epochs, stopped: history.stopped !== undefined, ...(last ? { last } : {}) };
    },
  };
}

// Rows in a seeded random order, so a validation split held out from the end is a random sample.
function shuffledRows(rows: number, seed: number): number[] {
  const order = Array.from({ length: rows }, (_, r) => r);
  Rng.fromSeed(seed).shuffle(order);
  return order;
}

/** Reads the file once to learn its preprocessing, with a progress bar; training reads it again each epoch. */
async function streamed(file: string, values: Values, settings: Settings, io: Io): Promise<TrainingData> {
  if (settings.validationSplit > 0) {
    throw new UsageError(
      '--validation-split needs every row in memory; with --stream (the default for files over ' +
        `${STREAM_BYTES / 2 ** 20} MB) evaluate on a file of its own with 'simdnet evaluate', or add --no-stream`,
      'train',
    );
  }
  const options = tableOptions(values, 'train');
  const bar = progressBar(io.stderr, { quiet: values.quiet ?? false });
  const onProgress = (fraction: number) => bar.update(fraction, `reading ${file} for its columns' scaling`);
  const tables = readTableChunks(file, options, CHUNK_ROWS, onProgress);
  const data = await survey(file, tables, dataOptions(values, settings, MAX_STREAMED_CLASSES)).finally(() => bar.done());
  const source: Source = { file, options, dropMissing: options.dropMissing };
  return { data, trainRows: data.rows, train: (network, hooks) => trainStreamed(network, data, source, settings, hooks) };
}

function dataOptions(values: Values, settings: Settings, maxClasses: number) {
  return { table: tableOptions(values, 'train'), target: values.target, drop: values.drop, task: settings.task, maxClasses };
}

/**
 * Trains with a progress bar. The first Ctrl-C stops training between batches and keeps the
 * model so far; a second one quits.
 */
async function trainWithProgress(network: Network, training: TrainingData, settings: Settings, quiet: boolean, io: Io) {
  const { epochs } = settings;
  const { trainRows } = training;
  const bar = progressBar(io.stderr, { quiet });
  const controller = new AbortController();
  const stop = () => {
    bar.done();
    println(io.stderr, 'interrupted: stopping after the current batches (press Ctrl-C again to quit at once)');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', stop);
  const started = performance.now();
  const rate = (rowsDone: number) => `${formatCount(rowsDone / ((performance.now() - started) / 1000))} samples/s`;
  let status = '';
  let last: EpochLog | undefined;
  try {
    const trained = await training.train(network, {
      signal: controller.signal,
      onEpochEnd: (log) => {
        last = log;
        status = `epoch ${log.epoch}/${epochs}  loss ${log.loss.toFixed(4)}`;
      },
      onRows: (done) => bar.update(done / (epochs * trainRows), `${status || `epoch 1/${epochs}`}  ${rate(done)}`),
    });
    return { ...trained, last, rate: rate(trained.epochs * trainRows), seconds: (performance.now() - started) / 1000 };
  } finally {
    process.removeListener('SIGINT', stop);
    bar.done();
  }
}

export async function run(argv: string[], io: Io): Promise<number | void> {
  const command = readCommand(COMMAND_LINE, argv, io);
  if (!command) return;
  const { values, args: [file] } = command;
  const settings = readSettings(values);
  expectWritable(values.save);
  const streaming = settings.stream ?? fileSize(file!) > STREAM_BYTES;
  const training = await (streaming ? streamed(file!, values, settings, io) : inMemory(file!, values, settings));
  const { data, trainRows } = training;
  if (data.note) println(io.stderr, data.note);
  const { hidden, activation, epochs } = settings;
  const classes = data.labels?.classes;
  const output = classes
    ? { units: classes.length, activation: 'softmax' as const }
    : { units: 1, activation: 'linear' as const };
  const say = (line: string) => println(io.stdout, line);

  const what = classes
    ? `classification into ${formatCount(classes.length)} classes (${someOf(classes.map(escaped))})`
    : 'regression';
  const streamedNote = streaming ? ` (read a chunk at a time, shuffled within ${formatCount(settings.shuffleBuffer)} rows)` : '';
  say(`${file}: ${formatCount(data.rows)} rows, ${data.features.length} features, target '${escaped(data.target)}': ${what}${streamedNote}`);
  const shape = [data.features.length, ...hidden, output.units].join('-');
  const activations = [...(hidden.length > 0 ? [activation] : []), output.activation].join(', ');
  say(`network ${shape} (${activations}), ${settings.optimizer}, ${epochs} epochs`);

  const network = await Network.create({
    inputs: data.features.length,
    layers: [...hidden.map((units) => ({ units, activation })), output],
    loss: classes ? 'categoricalCrossentropy' : 'squaredError',
    seed: settings.seed,
  });
  try {
    const trained = await trainWithProgress(network, training, settings, values.quiet ?? false, io);
    const stopped = trained.stopped ? ` (stopped after ${trained.epochs} of ${epochs} epochs)` : '';
    say(`trained in ${trained.seconds.toFixed(2)} s, ${trained.rate}${stopped}`);
    const { last } = trained;
    if (last) {
      const percent = (a: number | undefined) => (a === undefined ? '' : `, accuracy ${(a * 100).toFixed(2)}%`);
      const units = classes ? '' : ' (of the standardised target)';
      say(`last epoch: training loss ${last.loss.toFixed(4)}${units}${percent(last.accuracy)}`);
      if (last.valLoss !== undefined) {
        say(`validation (${formatCount(data.rows - trainRows)} rows): loss ${last.valLoss.toFixed(4)}${percent(last.valAccuracy)}`);
      }
    }
    if (values.save === undefined) {
      say('(the model was not saved: add --save model.json to keep it)');
    } else {
      const { seed, batchSize, optimizer, learningRate, l2, validationSplit, shuffle } = settings;
      const model = new Model({
        network,
        features: data.features,
        scaler: data.scaler,
        target: modelTarget(data),
        training: {
          file, rows: data.rows, epochs: trained.epochs, batchSize, optimizer, learningRate, l2, validationSplit, seed, shuffle,
          ...(streaming ? { shuffleBuffer: settings.shuffleBuffer } : {}),
        },
      });
      saveModel(values.save, model, io.stdout);
      say(`saved the model to ${values.save}`);
    }
    // Interrupted: the model so far is still reported and saved, but the exit code says it was cut short.
    return trained.stopped ? 130 : 0;
  } finally {
    network.dispose();
  }
}
