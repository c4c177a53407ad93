// `simdnet train <csv>`: trains a network on a CSV file's rows and saves it
// with the standardisation of its features (see model-file.ts).

import { Network, type Activation, type EpochLog, type OptimizerName } from '../index.js';
import { Rng } from '../random.js';
import { choiceOption, numberOption, readCommand, TABLE_HELP, TABLE_OPTIONS, tableOptions } from './args.js';
import { type Io, println } from './command.js';
import { parseDecimal, readTable, type Table } from './csv.js';
import {
  classesOf, classIndices, columnIndex, completeRows, inferTask, numericColumns, oneHot, takeRows, type Task, TASKS,
} from './dataset.js';
import { CliError, UsageError } from './errors.js';
import { expectWritable } from './files.js';
import { MODEL_FORMAT, MODEL_VERSION, type ModelFile, saveModel } from './model-file.js';
import { formatCount, progressBar } from './progress.js';
import { fitScaling, standardise } from './standardise.js';
import { escaped, quoted, someOf } from './text.js';

export const summary = 'train a network on a CSV file and save it';

const HIDDEN_ACTIVATIONS: readonly Activation[] = [
  'relu', 'leakyRelu', 'tanh', 'sigmoid', 'linear', 'elu', 'selu', 'gelu', 'softplus', 'swish', 'softsign', 'hardSigmoid',
];
const OPTIMIZERS: readonly OptimizerName[] = ['adam', 'momentum', 'sgd'];
/** Training sets at least this large report progress within each epoch, which costs a little speed. */
const BATCH_PROGRESS_ROWS = 20_000;

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
                             drawn at random (default: 0)
      --seed <n>             seed of the weights and the row order (default: 0)
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
  };
}
type Settings = ReturnType<typeof readSettings>;

function parseLayers(value: string | undefined): number[] {
  if (value === undefined) return [32];
  if (value.trim() === 'none' || value.trim() === '') return [];
  return value.split(',').map((part) => {
    const units = parseDecimal(part) ?? NaN;
    if (!Number.isInteger(units) || units < 1) {
      throw new UsageError(`--layers must be comma-separated unit counts such as 64,32 (or 'none'), got ${quoted(value)}`, 'train');
    }
    return units;
  });
}

/** The training data of a table: standardised features, encoded targets, and how to undo both. */
function prepare(table: Table, targetColumn: number, featureIndices: number[], task: Task) {
  const rows = table.rows.length;
  const raw = numericColumns(table, featureIndices);
  const scaling = fitScaling(raw, rows, featureIndices.length);
  const x = standardise(raw, scaling);
  const features = featureIndices.map((j, k) => ({ name: table.names[j]!, ...scaling[k]! }));
  const targetName = table.names[targetColumn]!;
  if (task === 'classification') {
    const classes = classesOf(table.rows.map((row) => row[targetColumn]!));
    if (classes.length < 2) {
      throw new UsageError(`the target column ${quoted(targetName)} has only one class (${quoted(classes[0]!)}): nothing to learn`, 'train');
    }
    const y = oneHot(classIndices(table, targetColumn, classes), classes.length);
    return { x, y, features, target: { name: targetName, classes } };
  }
  const advice = 'regression needs a numeric target (or use --task classification)';
  const rawY = numericColumns(table, [targetColumn], advice);
  const [targetScaling] = fitScaling(rawY, rows, 1);
  return { x, y: standardise(rawY, [targetScaling!]), features, target: { name: targetName, ...targetScaling! } };
}
type Data = ReturnType<typeof prepare>;

/** The rows fit trains on when it holds out a validation split (at the end of the shuffled rows). */
function trainingRows(rows: number, validationSplit: number): number {
  return validationSplit > 0 ? Math.floor(rows * (1 - validationSplit)) : rows;
}

/** Reads the CSV file and prepares it as the options say; every problem with the data is found before training. */
function load(file: string, values: Values, settings: Settings, io: Io) {
  const options = tableOptions(values, 'train');
  const read = readTable(file, options);
  const targetColumn = columnIndex(read, values.target ?? '-1', '--target');
  const drop = (values.drop ?? '').split(',').filter((s) => s.trim() !== '');
  const dropped = new Set(drop.map((s) => columnIndex(read, s, '--drop')));
  if (dropped.has(targetColumn)) {
    throw new UsageError(`--drop names the target column ${quoted(read.names[targetColumn]!)}`, 'train');
  }
  const featureIndices = read.names.map((_, j) => j).filter((j) => j !== targetColumn && !dropped.has(j));
  if (featureIndices.length === 0) throw new UsageError(`${read.file} has no feature columns besides the target`, 'train');
  const { table, note } = completeRows(read, [...featureIndices, targetColumn], options.dropMissing);
  const task = settings.task ?? inferTask(table.rows.map((row) => row[targetColumn]!));
  const data = prepare(table, targetColumn, featureIndices, task);
  const { validationSplit } = settings;
  const trainRows = trainingRows(table.rows.length, validationSplit);
  if (validationSplit > 0 && (trainRows === 0 || trainRows === table.rows.length)) {
    throw new CliError(
      `--validation-split ${validationSplit} of ${table.rows.length} rows leaves ${table.rows.length - trainRows} for validation ` +
        `and ${trainRows} for training; both need at least one`,
    );
  }
  if (note) println(io.stderr, note);
  return { table, task, data };
}

// Rows in a seeded random order, so a validation split held out from the end is a random sample.
function shuffleRows(x: Float32Array, y: Float32Array, rows: number, seed: number) {
  const order = Array.from({ length: rows }, (_, r) => r);
  Rng.fromSeed(seed).shuffle(order);
  return { x: takeRows(x, x.length / rows, order), y: takeRows(y, y.length / rows, order) };
}

/**
 * Trains with a progress bar (per epoch; per batch too on large sets). The first Ctrl-C stops
 * training between batches and keeps the model so far; a second one quits.
 */
async function fitWithProgress(network: Network, data: Data, settings: Settings, quiet: boolean, io: Io) {
  const { epochs, batchSize, validationSplit } = settings;
  const rows = data.x.length / data.features.length;
  const { x, y } = shuffleRows(data.x, data.y, rows, settings.seed);
  const trainRows = trainingRows(rows, validationSplit);
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
  const show = (done: number, text: string) => bar.update(done / (epochs * trainRows), `${text}  ${rate(done)}`);
  let last: EpochLog | undefined;
  try {
    const history = await network.fit(x, y, {
      epochs,
      batchSize,
      optimizer: { type: settings.optimizer, learningRate: settings.learningRate },
      l2: settings.l2,
      validationSplit,
      signal: controller.signal,
      onEpochEnd: (log) => {
        last = log;
        show(log.epoch * trainRows, `epoch ${log.epoch}/${epochs}  loss ${log.loss.toFixed(4)}`);
      },
      ...(trainRows >= BATCH_PROGRESS_ROWS
        ? {
            onBatchEnd: ({ epoch, batch, loss }) => {
              const done = (epoch - 1) * trainRows + Math.min(batch * batchSize, trainRows);
              show(done, `epoch ${epoch}/${epochs}  batch loss ${loss.toFixed(4)}`);
            },
          }
        : {}),
    });
    return { history, last, trainRows, rate: rate(history.epochs * trainRows), seconds: (performance.now() - started) / 1000 };
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
  const { table, task, data } = load(file!, values, settings, io);
  const { hidden, activation, epochs } = settings;
  const classes = data.target.classes;
  const rows = table.rows.length;
  const output = classes
    ? { units: classes.length, activation: 'softmax' as const }
    : { units: 1, activation: 'linear' as const };
  const say = (line: string) => println(io.stdout, line);

  const what = classes
    ? `classification into ${formatCount(classes.length)} classes (${someOf(classes.map(escaped))})`
    : 'regression';
  say(`${table.file}: ${formatCount(rows)} rows, ${data.features.length} features, target '${escaped(data.target.name)}': ${what}`);
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
    const { history, last, trainRows, rate, seconds } = await fitWithProgress(network, data, settings, values.quiet ?? false, io);
    const stopped = history.stopped ? ` (stopped after ${history.epochs} of ${epochs} epochs)` : '';
    say(`trained in ${seconds.toFixed(2)} s, ${rate}${stopped}`);
    if (last) {
      const percent = (a: number | undefined) => (a === undefined ? '' : `, accuracy ${(a * 100).toFixed(2)}%`);
      const units = classes ? '' : ' (of the standardised target)';
      say(`last epoch: training loss ${last.loss.toFixed(4)}${units}${percent(last.accuracy)}`);
      if (last.valLoss !== undefined) {
        say(`validation (${formatCount(rows - trainRows)} rows): loss ${last.valLoss.toFixed(4)}${percent(last.valAccuracy)}`);
      }
    }
    if (values.save === undefined) {
      say('(the model was not saved: add --save model.json to keep it)');
    } else {
      const { seed, batchSize, optimizer, learningRate, l2, validationSplit } = settings;
      const model: ModelFile = {
        format: MODEL_FORMAT,
        version: MODEL_VERSION,
        task,
        features: data.features,
        target: data.target,
        network: network.toJSON(),
        training: { file: table.file, rows, epochs: history.epochs, batchSize, optimizer, learningRate, l2, validationSplit, seed },
      };
      saveModel(values.save, model, io.stdout);
      say(`saved the model to ${values.save}`);
    }
    // Interrupted: the model so far is still reported and saved, but the exit code says it was cut short.
    return history.stopped ? 130 : 0;
  } finally {
    network.dispose();
  }
}
