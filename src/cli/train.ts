// `simdnet train <csv>`: trains a network on a CSV file's rows and saves it as a model with
// the standardisation of its features (see model-file.ts). A file too large to hold in memory
// is read a chunk at a time (train-stream.ts).

import { activationEntry, ELEMENTWISE_ACTIVATIONS } from '../activations.js';
import { type EpochLog, type FitOptions, Model, Network } from '../index.js';
import { escaped, formatCount, someOf } from '../text.js';
import { readCommand, TABLE_HELP, tableOptions } from './args.js';
import { type Io, println } from './command.js';
import { readTable, readTableChunks } from './csv.js';
import { CliError, UsageError } from './errors.js';
import { expectWritable, fileSize } from './files.js';
import { saveModel } from './model-file.js';
import { progressBar } from './progress.js';
import { CHUNK_ROWS, type Source, type Trained, type TrainingHooks, trainStreamed } from './train-stream.js';
import {
  DEFAULT_SHUFFLE_BUFFER, fitOptions, fitRecord, OPTIMIZERS, readSettings, REGRESSION_LOSSES, TRAIN_OPTIONS, type TrainSettings, type TrainValues,
} from './train-options.js';
import { encode, encodeValidation, modelTarget, type Preprocessing, survey } from './training-data.js';

export const summary = 'train a network on a CSV file and save it';

/** Training sets at least this large report progress within each epoch, which costs a little speed. */
const BATCH_PROGRESS_ROWS = 20_000;
/** Files larger than this are read a chunk at a time unless --no-stream says otherwise. */
const STREAM_BYTES = 256 * 2 ** 20;
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
  -a, --activation <name>    hidden activation (default: relu), one of:
${ELEMENTWISE_ACTIVATIONS.map((a) => `${' '.repeat(31)}${a.padEnd(13)}${activationEntry(a).description}`).join('\n')}
      --dropout <p>          drop each hidden unit's output with probability p
                             while training (0 ≤ p < 1; default: 0)
      --loss <name>          a regression's loss: ${REGRESSION_LOSSES.join(', ')}
                             (default: squaredError); classification trains
                             with cross-entropy
      --huber-delta <x>      huber's δ, where it turns from squared to
                             absolute error (default: 1)
      --threads <n|auto>     threads the network's passes are split across; any
                             count gives the same results (default: auto)
  -e, --epochs <n>           passes over the training rows (default: 100)
  -b, --batch-size <n>       rows per gradient step (default: 32)
      --optimizer <name>     ${OPTIMIZERS.join(', ')}
                             (default: adam); nesterov is momentum with
                             Nesterov's look-ahead
      --learning-rate <x>    step size (default: 0.01 for sgd, momentum and
                             nesterov, 0.001 otherwise)
      --weight-decay <x>     adamw's decoupled weight decay (default: 0.01)
      --schedule <name:…>    learning-rate schedule and its parameters, named
                             as in the API's learningRateSchedule:
                               step:every=10,factor=0.5
                               exponential:decaySteps=1000,decayRate=0.9
                                 [,staircase=true]
                               cosine:decaySteps=1000[,alpha=0.1,warmupSteps=100]
                               plateau[:monitor=loss,factor=0.5,patience=5,
                                 minDelta=0.001,cooldown=2,minLearningRate=1e-5]
                             (default: none)
      --l2 <x>               L2 regularisation strength λ (default: 0)
      --l1 <x>               L1 regularisation strength λ1 (default: 0)
      --clip-norm <x>        scale each batch's gradient to an L2 norm of at
                             most x
      --clip-value <x>       clip each gradient element into [-x, x]
      --validation-split <x> fraction of rows held out to report validation loss,
                             drawn at random with --seed (default: 0)
      --validation <csv>     validation rows from a file of their own, with the
                             training file's columns
      --early-stopping       stop once the monitored value stops improving:
        --monitor <name>     valLoss (default; needs validation rows), loss,
                             valAccuracy or accuracy
        --patience <n>       epochs without improvement before stopping
                             (default: 0)
        --min-delta <x>      the least change that counts as improving
                             (default: 0)
        --restore-best       end with the best epoch's weights
      --seed <n>             seed of the weights, the row order and the
                             validation split (default: 0)
      --no-shuffle           train on the rows in the file's order, every epoch
      --stream / --no-stream read the file a chunk of rows at a time, each epoch
                             again, so that memory holds a buffer of rows, not the
                             file (default: for files over ${STREAM_BYTES / 2 ** 20} MB); not with
                             validation rows, early stopping or the step and
                             plateau schedules, which count epochs
      --shuffle-buffer <n>   with --stream: rows held and shuffled together; rows
                             are shuffled within the buffer, not across the file
                             (default: ${formatCount(DEFAULT_SHUFFLE_BUFFER)})
  -s, --save <model.json>    write the model and its standardisation to a file
${TABLE_HELP}
  -q, --quiet                no progress bar
  -h, --help                 show this help

Example:
  simdnet train iris.csv --target species --layers 16 --epochs 200 --save iris-model.json`;

const COMMAND_LINE = { name: 'train', help, positionals: ['csv'], options: TRAIN_OPTIONS } as const;

/** The rows fit trains on when it holds out a validation split. */
function trainingRows(rows: number, validationSplit: number): number {
  return validationSplit > 0 ? Math.floor(rows * (1 - validationSplit)) : rows;
}

/** How a run of training ended. */
interface TrainResult extends Trained {
  /** With --early-stopping: the best epoch, and whether early stopping ended the run. */
  bestEpoch?: number;
  stoppedEarly?: boolean;
}

/** The training data, and how to train on it: held in memory, or read from the file again each epoch. */
interface TrainingData {
  data: Preprocessing;
  /** Rows trained on per epoch (without the validation rows). */
  trainRows: number;
  /** Validation rows (0: none). */
  validationRows: number;
  /** What --drop-missing left out of each file, to print before training. */
  notes: string[];
  train(network: Network, hooks: TrainingHooks): Promise<TrainResult>;
}

/** Reads the whole file, learns its preprocessing and holds its rows, encoded, for fit. */
async function inMemory(file: string, values: TrainValues, settings: TrainSettings): Promise<TrainingData> {
  const reading = tableOptions(values, 'train');
  const table = await readTable(file, reading);
  const data = await survey(file, [table], dataOptions(values, settings, Infinity));
  const { validationSplit, validationFile, batchSize } = settings;
  const trainRows = trainingRows(data.rows, validationSplit);
  if (validationSplit > 0 && (trainRows === 0 || trainRows === data.rows)) {
    throw new CliError(
      `--validation-split ${validationSplit} of ${data.rows} rows leaves ${data.rows - trainRows} for validation ` +
        `and ${trainRows} for training; both need at least one`,
    );
  }
  const { x, y } = encode(table, data, reading.dropMissing);
  const validation = validationFile === undefined
    ? undefined
    : encodeValidation(await readTable(validationFile, reading), data, reading.dropMissing);
  const fit: FitOptions = { ...fitOptions(settings), ...(validation ? { validationData: [validation.x, validation.y] } : {}) };
  return {
    data,
    trainRows,
    validationRows: validation?.rows ?? data.rows - trainRows,
    notes: [data.note, validation?.note].filter((note) => note !== undefined),
    async train(network, hooks) {
      const history = await network.fit(x, y, {
        ...fit,
        signal: hooks.signal,
        onEpochEnd: (log) => {
          hooks.onEpochEnd(log);
          hooks.onRows(log.epoch * trainRows);
        },
        ...(trainRows >= BATCH_PROGRESS_ROWS
          ? { onBatchEnd: ({ epoch, batch }) => hooks.onRows((epoch - 1) * trainRows + Math.min(batch * batchSize, trainRows)) }
          : {}),
      });
      const { bestEpoch } = history;
      return {
        epochs: history.epochs,
        stopped: history.stopped === 'aborted',
        ...(bestEpoch === undefined ? {} : { bestEpoch, stoppedEarly: history.stopped === 'earlyStopping' }),
      };
    },
  };
}

/** Reads the file once to learn its preprocessing, with a progress bar; training reads it again each epoch. */
async function streamed(file: string, values: TrainValues, settings: TrainSettings, io: Io): Promise<TrainingData> {
  const schedule = settings.step.learningRateSchedule?.type;
  const refused = settings.validationSplit > 0 ? '--validation-split'
    : settings.validationFile !== undefined ? '--validation'
      : settings.earlyStopping ? '--early-stopping'
        : schedule === 'step' || schedule === 'reduceOnPlateau' ? `--schedule ${schedule === 'step' ? 'step' : 'plateau'}`
          : undefined;
  if (refused) {
    const instead = refused.startsWith('--schedule') ? ', or a schedule that counts steps (exponential, cosine)' : '';
    throw new UsageError(
      `${refused} needs every row in memory, epoch by epoch, but with --stream (the default for files over ` +
        `${STREAM_BYTES / 2 ** 20} MB) each buffer of rows is a fit of its own; add --no-stream${instead}`,
      'train',
    );
  }
  const options = tableOptions(values, 'train');
  const bar = progressBar(io.stderr, { quiet: values.quiet ?? false });
  const onProgress = (fraction: number) => bar.update(fraction, `reading ${file} for its columns' scaling`);
  const tables = readTableChunks(file, options, CHUNK_ROWS, onProgress);
  const data = await survey(file, tables, dataOptions(values, settings, MAX_STREAMED_CLASSES)).finally(() => bar.done());
  const source: Source = { file, options, dropMissing: options.dropMissing };
  return {
    data,
    trainRows: data.rows,
    validationRows: 0,
    notes: data.note === undefined ? [] : [data.note],
    train: (network, hooks) => trainStreamed(network, data, source, settings, hooks),
  };
}

function dataOptions(values: TrainValues, settings: TrainSettings, maxClasses: number) {
  return { table: tableOptions(values, 'train'), target: values.target, drop: values.drop, task: settings.task, maxClasses };
}

/**
 * Trains with a progress bar. The first Ctrl-C stops training between batches and keeps the
 * model so far; a second one quits.
 */
async function trainWithProgress(network: Network, training: TrainingData, settings: TrainSettings, quiet: boolean, io: Io) {
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
  const { data } = training;
  for (const note of training.notes) println(io.stderr, note);
  const { hidden, activation, dropout, epochs } = settings;
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

  if (classes && settings.loss !== undefined) {
    throw new UsageError(`--loss ${settings.loss} is for a regression, and '${escaped(data.target)}' holds classes; a classification trains with cross-entropy`, 'train');
  }
  const network = await Network.create({
    inputs: data.features.length,
    layers: [...hidden.map((units) => ({ units, activation, ...(dropout > 0 && { dropout }) })), output],
    loss: classes ? 'categoricalCrossentropy' : settings.loss ?? 'squaredError',
    ...(settings.huberDelta !== undefined && { huberDelta: settings.huberDelta }),
    seed: settings.seed,
    threads: settings.threads,
  });
  try {
    const shape = [data.features.length, ...hidden, output.units].join('-');
    const activations = [...(hidden.length > 0 ? [activation] : []), output.activation].join(', ');
    const threads = network.threads > 1 ? `, ${network.threads} threads` : '';
    const dropped = dropout > 0 ? `, dropout ${dropout}` : '';
    const loss = settings.loss === undefined ? '' : `, ${settings.loss}${settings.huberDelta === undefined ? '' : ` δ ${settings.huberDelta}`}`;
    say(`network ${shape} (${activations}${dropped}${loss}), ${settings.optimizerName}, ${epochs} epochs${threads}`);
    const trained = await trainWithProgress(network, training, settings, values.quiet ?? false, io);
    const stopped = trained.stopped ? ` (stopped after ${trained.epochs} of ${epochs} epochs)` : '';
    say(`trained in ${trained.seconds.toFixed(2)} s, ${trained.rate}${stopped}`);
    const { last, bestEpoch } = trained;
    if (bestEpoch !== undefined) {
      const ended = trained.stoppedEarly ? `stopped training after epoch ${trained.epochs} of ${epochs}` : 'did not stop training';
      const kept = settings.earlyStopping?.restoreBestWeights ? ', whose weights the model keeps' : '';
      say(`early stopping ${ended}; the best epoch was ${bestEpoch}${kept}`);
    }
    if (last) {
      const percent = (a: number | undefined) => (a === undefined ? '' : `, accuracy ${(a * 100).toFixed(2)}%`);
      const units = classes ? '' : ' (of the standardised target)';
      say(`last epoch: training loss ${last.loss.toFixed(4)}${units}${percent(last.accuracy)}`);
      if (last.valLoss !== undefined) {
        say(`validation (${formatCount(training.validationRows)} rows): loss ${last.valLoss.toFixed(4)}${percent(last.valAccuracy)}`);
      }
    }
    if (values.save === undefined) {
      say('(the model was not saved: add --save model.json to keep it)');
    } else {
      const model = new Model({
        network,
        features: data.features,
        scaler: data.scaler,
        target: modelTarget(data),
        training: {
          file,
          rows: data.rows,
          epochs: trained.epochs,
          ...fitRecord(settings),
          ...(bestEpoch === undefined ? {} : { bestEpoch }),
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
