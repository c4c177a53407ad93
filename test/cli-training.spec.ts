// `simdnet train`'s training options: each flag reaches Network.fit (the weights saved are the
// bits of the same fit called from JavaScript with the options written out here), the saved
// model's record of them trains the same network again, and bad values are one-line errors
// given before any file is read.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FitOptions, LabelEncoder, type ModelJSON, Network, readCsvFile, StandardScaler } from '../src/index.js';
import { cliTestFiles, expectOneLineError, ROOT, simdnet, simdnetInProcess } from './support/cli.js';

const IRIS = join(ROOT, 'data/iris/iris.csv');
const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const files = cliTestFiles('simdnet-cli-training-');

/** Every fifth row of iris, as a validation file of the same columns. */
function validationFile(): string {
  const [header, ...rows] = readFileSync(IRIS, 'utf8').trim().split(/\r?\n/);
  return files.write('iris-validation.csv', `${[header, ...rows.filter((_, r) => r % 5 === 0)].join('\n')}\n`);
}

/** What the command line below fixes for every case: the network and the epochs. */
const BASE = ['--layers', '8', '--epochs', '12', '--batch-size', '16', '--seed', '5', '-q'];
const BASE_FIT: FitOptions = { epochs: 12, batchSize: 16 };

/** Trains on iris with the command line, and returns the saved model. */
async function trainCli(name: string, args: string[]): Promise<ModelJSON> {
  const save = files.path(`${name}.json`);
  const run = await simdnetInProcess('train', IRIS, ...BASE, ...args, '--save', save);
  expect(run.stderr).toBe('');
  expect(run.status, run.stdout).toBe(0);
  return JSON.parse(readFileSync(save, 'utf8')) as ModelJSON;
}

/** iris standardised and one-hot encoded, as `simdnet train` prepares a file. */
async function prepared(file: string, scaler?: StandardScaler, labels?: LabelEncoder) {
  const table = await readCsvFile(file);
  const s = scaler ?? new StandardScaler().fit(table.toFloat32Array(FEATURES), { width: FEATURES.length });
  const l = labels ?? new LabelEncoder().fit(table.column('species'));
  return { x: s.transform(table.toFloat32Array(FEATURES)), y: l.oneHot(table.column('species')), scaler: s, labels: l };
}

/** The same network trained from JavaScript: its JSON, and fit's history. */
async function trainJs(options: FitOptions, validation?: string, dropout?: number) {
  const { x, y, scaler, labels } = await prepared(IRIS);
  const network = await Network.create({
    inputs: 4,
    layers: [{ units: 8, activation: 'relu', ...(dropout !== undefined && { dropout }) }, { units: 3, activation: 'softmax' }],
    loss: 'categoricalCrossentropy',
    seed: 5,
    threads: 1,
  });
  try {
    const validationData = validation === undefined ? {} : await prepared(validation, scaler, labels).then((v) => ({ validationData: [v.x, v.y] as const }));
    const history = await network.fit(x, y, { ...BASE_FIT, ...options, ...validationData });
    return { json: network.toJSON(), history };
  } finally {
    network.dispose();
  }
}

const weightsOf = (json: { layers: { weights: number[]; biases: number[] | null }[] }) => json.layers.map((l) => [l.weights, l.biases]);

describe('each training option reaches fit, bit for bit', () => {
  it.each<[string, string[], FitOptions]>([
    ['adamw', ['--optimizer', 'adamw', '--learning-rate', '0.02', '--weight-decay', '0.05'],
      { optimizer: { type: 'adamw', learningRate: 0.02, weightDecay: 0.05 } }],
    ['nesterov', ['--optimizer', 'nesterov', '--learning-rate', '0.05'], { optimizer: { type: 'momentum', nesterov: true, learningRate: 0.05 } }],
    ['rmsprop, l1, clip-norm', ['--optimizer', 'rmsprop', '--l1', '0.01', '--clip-norm', '0.5'],
      { optimizer: 'rmsprop', l1: 0.01, clipNorm: 0.5 }],
    ['adagrad, l2, clip-value', ['--optimizer', 'adagrad', '--learning-rate', '0.1', '--l2', '0.01', '--clip-value', '0.1'],
      { optimizer: { type: 'adagrad', learningRate: 0.1 }, l2: 0.01, clipValue: 0.1 }],
    ['cosine', ['--schedule', 'cosine:decaySteps=60,alpha=0.1,warmupSteps=5', '--learning-rate', '0.05'],
      { optimizer: { type: 'adam', learningRate: 0.05 }, learningRateSchedule: { type: 'cosine', decaySteps: 60, alpha: 0.1, warmupSteps: 5 } }],
    ['step', ['--optimizer', 'sgd', '--schedule', 'step:every=3,factor=0.5'],
      { optimizer: 'sgd', learningRateSchedule: { type: 'step', every: 3, factor: 0.5 } }],
    ['exponential', ['--schedule', 'exponential:decaySteps=10,decayRate=0.9,staircase=true'],
      { learningRateSchedule: { type: 'exponential', decaySteps: 10, decayRate: 0.9, staircase: true } }],
    ['plateau', ['--schedule', 'plateau:monitor=loss,factor=0.5,patience=1,minDelta=0.01', '--learning-rate', '0.05'],
      { optimizer: { type: 'adam', learningRate: 0.05 }, learningRateSchedule: { type: 'reduceOnPlateau', monitor: 'loss', factor: 0.5, patience: 1, minDelta: 0.01 } }],
    ['validation split and early stopping', ['--learning-rate', '0.2', '--validation-split', '0.3', '--early-stopping', '--patience', '1', '--min-delta', '0.001', '--restore-best'],
      { optimizer: { type: 'adam', learningRate: 0.2 }, validationSplit: { fraction: 0.3, shuffle: true, seed: 5 }, earlyStopping: { patience: 1, minDelta: 0.001, restoreBestWeights: true } }],
    ['early stopping on the training loss, rows in order', ['--no-shuffle', '--learning-rate', '0.3', '--early-stopping', '--monitor', 'loss'],
      { shuffle: false, optimizer: { type: 'adam', learningRate: 0.3 }, earlyStopping: { monitor: 'loss' } }],
  ])('%s', async (name, args, options) => {
    const saved = await trainCli(name, args);
    const { json, history } = await trainJs(options);
    expect(weightsOf(saved.network)).toEqual(weightsOf(json));
    expect(saved.training?.epochs).toBe(history.epochs);
    expect(saved.training?.bestEpoch).toBe(history.bestEpoch);
  });

  it('early stopping does stop the cases above before their last epoch', async () => {
    for (const options of [
      { optimizer: { type: 'adam', learningRate: 0.2 }, validationSplit: { fraction: 0.3, shuffle: true, seed: 5 }, earlyStopping: { patience: 1, minDelta: 0.001 } },
      { shuffle: false, optimizer: { type: 'adam', learningRate: 0.3 }, earlyStopping: { monitor: 'loss' } },
    ] as FitOptions[]) {
      const { history } = await trainJs(options);
      expect(history.stopped).toBe('earlyStopping');
      expect(history.epochs).toBeLessThan(BASE_FIT.epochs!);
    }
  });

  it('--validation: rows of their own, reported, and monitored', async () => {
    const validation = validationFile();
    const saved = await trainCli('validation-file', ['--validation', validation, '--early-stopping', '--patience', '2']);
    const { json, history } = await trainJs({ earlyStopping: { patience: 2 } }, validation);
    expect(weightsOf(saved.network)).toEqual(weightsOf(json));
    expect(history.valLoss).toHaveLength(history.epochs);
    expect(saved.training).toMatchObject({ validationFile: validation, epochs: history.epochs });
    const run = await simdnetInProcess('train', IRIS, ...BASE, '--validation', validation);
    expect(run.stdout).toMatch(/validation \(30 rows\): loss [\d.]+, accuracy [\d.]+%/);
  });

  it('--threads: the network runs on them, to the same bits as on one', async () => {
    const saved = await trainCli('threads', ['--threads', '2']);
    const { json } = await trainJs({});
    expect(weightsOf(saved.network)).toEqual(weightsOf(json));
    const run = await simdnetInProcess('train', IRIS, ...BASE, '--threads', '2');
    expect(run.stdout).toMatch(/network 4-8-3 \(relu, softmax\), adam, 12 epochs, 2 threads\n/);
  });

  it('--dropout: every hidden layer drops its outputs at that rate while training', async () => {
    const saved = await trainCli('dropout', ['--layers', '8', '--dropout', '0.25']);
    expect(saved.network.layers.map((l) => l.dropout)).toEqual([0.25, undefined]);
    const { json } = await trainJs({}, undefined, 0.25);
    expect(weightsOf(saved.network)).toEqual(weightsOf(json));
    expect(weightsOf(saved.network)).not.toEqual(weightsOf((await trainJs({})).json));
    const run = await simdnetInProcess('train', IRIS, ...BASE, '--dropout', '0.25');
    expect(run.stdout).toMatch(/network 4-8-3 \(relu, softmax, dropout 0\.25\), adam/);
  });

  it("--loss and --huber-delta: a regression's loss, saved with the network", async () => {
    const regression = ['--target', 'petal_width', '--drop', 'species'];
    const huber = await trainCli('huber', [...regression, '--loss', 'huber', '--huber-delta', '0.5']);
    expect(huber.network).toMatchObject({ loss: 'huber', huberDelta: 0.5 });
    const absolute = await trainCli('mae', [...regression, '--loss', 'meanAbsoluteError']);
    expect(absolute.network.loss).toBe('meanAbsoluteError');
    const squared = await trainCli('squared', regression);
    expect(squared.network.loss).toBe('squaredError');
    // The same network and data: only the loss differs, and it changes what is learned.
    expect(weightsOf(huber.network)).not.toEqual(weightsOf(squared.network));
    expect(weightsOf(absolute.network)).not.toEqual(weightsOf(squared.network));
    const run = await simdnetInProcess('train', IRIS, ...BASE, ...regression, '--loss', 'huber', '--huber-delta', '0.5');
    expect(run.stdout).toMatch(/network 3-8-1 \(relu, linear, huber δ 0\.5\), adam/);
  });

  it('the saved record is the fit options, defaults filled in, and trains the same network again', async () => {
    const saved = await trainCli('record', [
      '--optimizer', 'nesterov', '--schedule', 'cosine:decaySteps=40', '--l1', '0.001', '--clip-norm', '2',
      '--validation-split', '0.2', '--early-stopping', '--patience', '3',
    ]);
    const { file, rows, bestEpoch, seed, ...fitOptions } = saved.training as Record<string, unknown>;
    expect({ file, rows, seed }).toEqual({ file: IRIS, rows: 150, seed: 5 });
    expect(fitOptions).toEqual({
      epochs: fitOptions.epochs,
      batchSize: 16,
      shuffle: true,
      optimizer: { type: 'momentum', learningRate: 0.01, momentum: 0.9, nesterov: true },
      learningRateSchedule: { type: 'cosine', decaySteps: 40, alpha: 0, warmupSteps: 0 },
      l2: 0,
      l1: 0.001,
      clipNorm: 2,
      validationSplit: { fraction: 0.2, shuffle: true, seed: 5 },
      earlyStopping: { monitor: 'valLoss', patience: 3, minDelta: 0, restoreBestWeights: false },
    });
    const { json, history } = await trainJs({ ...(fitOptions as FitOptions), epochs: 12 });
    expect(weightsOf(saved.network)).toEqual(weightsOf(json));
    expect(bestEpoch).toBe(history.bestEpoch);
  });
});

describe('bad training options are one-line errors, before the file is read', () => {
  const missing = join(ROOT, 'no-such-file.csv');
  it.each<[string[], string]>([
    [['--threads', '0'], "--threads must be auto or a whole number from 1 to 64, got '0'"],
    [['--threads', 'many'], "--threads must be auto or a whole number from 1 to 64, got 'many'"],
    [['--optimizer', 'lion'], "--optimizer must be one of adam, adamw, sgd, momentum, nesterov, rmsprop, adagrad; got 'lion'"],
    [['--learning-rate', '0'], "--learning-rate must be a number greater than 0 within float32 (about 3.4e38), got '0'"],
    [['--weight-decay', '0.1'], '--weight-decay is AdamW\'s decoupled weight decay: it needs --optimizer adamw, not adam'],
    [['--optimizer', 'adamw', '--weight-decay=-1'], "--weight-decay must be a number from 0 within float32 (about 3.4e38), got '-1'"],
    [['--l1', '1e39'], "--l1 must be a number from 0 within float32 (about 3.4e38), got '1e39'"],
    [['--clip-norm', '0'], "--clip-norm must be a number greater than 0 within float32 (about 3.4e38), got '0'"],
    [['--clip-value', 'x'], "--clip-value must be a number greater than 0 within float32 (about 3.4e38), got 'x'"],
    [['--clip-norm', '1', '--clip-value', '1'], '--clip-norm and --clip-value cannot both be given; choose one'],
    [['--schedule', 'linear'], "--schedule must be one of step, exponential, cosine, plateau, then its parameters (such as cosine:decaySteps=1000); got 'linear'"],
    [['--schedule', 'cosine'], "--schedule 'cosine': learningRateSchedule.decaySteps must be an integer from 1 to 2147483647, got undefined"],
    [['--schedule', 'cosine:decaySteps=10,alpha=2'], "--schedule 'cosine:decaySteps=10,alpha=2': learningRateSchedule.alpha must be"],
    [['--schedule', 'cosine:every=10'], "--schedule 'cosine:every=10': learningRateSchedule (cosine) has an unknown option 'every'"],
    [['--schedule', 'step:every'], "--schedule 'step:every': 'every' is not a parameter=value pair"],
    [['--schedule', 'step:every=2,every=3'], "--schedule 'step:every=2,every=3' gives every twice"],
    [['--schedule', 'exponential:decaySteps=5,decayRate=0.5,staircase=yes'], 'learningRateSchedule.staircase must be true or false, got "yes"'],
    [['--schedule', 'plateau'], '--schedule plateau watches valLoss, which needs validation rows: add --validation-split or --validation'],
    [['--early-stopping'], '--early-stopping watches valLoss, which needs validation rows: add --validation-split or --validation, or watch loss with --monitor'],
    [['--early-stopping', '--monitor', 'valAccuracy'], '--early-stopping watches valAccuracy, which needs validation rows'],
    [['--early-stopping', '--monitor', 'f1'], "--monitor must be one of valLoss, loss, valAccuracy, accuracy; got 'f1'"],
    [['--early-stopping', '--monitor', 'loss', '--patience', '1.5'], "--patience must be an integer from 0 to 2147483647, got '1.5'"],
    [['--early-stopping', '--monitor', 'loss', '--min-delta=-1'], "--min-delta must be a number from 0, got '-1'"],
    [['--patience', '3'], '--patience is an option of --early-stopping, which is not given'],
    [['--restore-best'], '--restore-best is an option of --early-stopping, which is not given'],
    [['--validation-split', '0.2', '--validation', IRIS], '--validation-split and --validation cannot both be given; choose one'],
    [['--dropout', '1'], "--dropout must be a number from 0 up to but not including 1, got '1'"],
    [['--dropout=-0.1'], "--dropout must be a number from 0 up to but not including 1, got '-0.1'"],
    [['--layers', 'none', '--dropout', '0.1'], '--dropout drops hidden units, and --layers none leaves none'],
    [['--loss', 'hinge'], "--loss must be one of squaredError, meanAbsoluteError, huber; got 'hinge'"],
    [['--task', 'classification', '--loss', 'huber'], '--loss huber is for a regression; a classification trains with cross-entropy'],
    [['--huber-delta', '2'], '--huber-delta needs --loss huber'],
    [['--loss', 'huber', '--huber-delta', '0'], "--huber-delta must be a number greater than 0 within float32 (about 3.4e38), got '0'"],
  ])('%j', async (args, message) => {
    // The training file does not exist: the options are refused before it is looked for.
    expectOneLineError(await simdnetInProcess('train', missing, ...args), 2, message);
  });

  it.each<[string[], string]>([
    [['--validation-split', '0.2'], '--validation-split needs every row in memory'],
    [['--validation', IRIS], '--validation needs every row in memory'],
    [['--early-stopping', '--monitor', 'loss'], '--early-stopping needs every row in memory'],
    [['--schedule', 'step:every=2'], '--schedule step needs every row in memory, epoch by epoch, but with --stream'],
    [['--schedule', 'plateau:monitor=loss'], "--schedule plateau needs every row in memory, epoch by epoch, but with --stream (the default for files over 256 MB) each buffer of rows is a fit of its own; add --no-stream, or a schedule that counts steps (exponential, cosine)"],
  ])('--stream refuses %j', async (args, message) => {
    expectOneLineError(await simdnetInProcess('train', IRIS, '--stream', ...args), 2, message);
  });

  it('--loss on a file whose target holds classes is refused, naming the target', async () => {
    expectOneLineError(await simdnetInProcess('train', IRIS, '-q', '--loss', 'huber'), 2,
      "--loss huber is for a regression, and 'species' holds classes; a classification trains with cross-entropy");
  });

  it('a validation file without the columns, or with a class training never saw, is named with its line', async () => {
    const noColumn = files.write('no-species.csv', 'sepal_length,sepal_width,petal_length,petal_width\n5,3,1,0.2\n');
    expectOneLineError(await simdnetInProcess('train', IRIS, '-q', '--validation', noColumn), 1,
      `${noColumn} lacks the column 'species' of the training file ${IRIS}`);
    const newClass = files.write('new-class.csv', 'sepal_length,sepal_width,petal_length,petal_width,species\n5,3,1,0.2,setosa\n5,3,1,0.2,rosa\n');
    expectOneLineError(await simdnetInProcess('train', IRIS, '-q', '--validation', newClass), 1,
      `${newClass}: line 3, column 'species': 'rosa' is not one of the training file's classes ('setosa', 'versicolor', 'virginica')`);
    const gap = files.write('gap.csv', 'sepal_length,sepal_width,petal_length,petal_width,species\n5,,1,0.2,setosa\n');
    expectOneLineError(await simdnetInProcess('train', IRIS, '-q', '--validation', gap), 1, `${gap}: line 2, column 'sepal_width' has no value`);
  });

  it('--drop-missing leaves such rows out of the validation file too, and says so naming it', async () => {
    const gaps = files.write('gaps.csv', 'sepal_length,sepal_width,petal_length,petal_width,species\n5,,1,0.2,setosa\n6,3,5,2,virginica\nNA,3,5,2,virginica\n');
    const run = await simdnetInProcess('train', IRIS, ...BASE, '--drop-missing', '--validation', gaps);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe(`simdnet: --drop-missing left out 2 of 3 rows of ${gaps} (lines 2, 4)\n`);
    expect(run.stdout).toMatch(/validation \(1 rows\): loss/);
  });

  it('the built command gives the same errors (the checks it bundles throw the errors it catches)', () => {
    expectOneLineError(simdnet('train', IRIS, '--schedule', 'cosine:decaySteps=0'), 2,
      "--schedule 'cosine:decaySteps=0': learningRateSchedule.decaySteps must be an integer from 1 to 2147483647, got 0");
    expectOneLineError(simdnet('train', IRIS, '--early-stopping'), 2, '--early-stopping watches valLoss, which needs validation rows');
    const run = simdnet('train', IRIS, ...BASE, '--optimizer', 'adamw', '--schedule', 'cosine:decaySteps=30', '--validation-split', '0.2',
      '--early-stopping', '--patience', '0', '--restore-best', '--threads', '2');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/adamw, 12 epochs, 2 threads\n/);
    expect(run.stdout).toMatch(/early stopping (stopped training after epoch \d+ of 12|did not stop training); the best epoch was \d+, whose weights the model keeps\n/);
  });
});
