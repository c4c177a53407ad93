// Every bad input gets a SimdnetError whose message names the option, row or column at fault
// (and the allowed values), and leaves the network it involves exactly as it was: same weight
// bytes, and a generator that has not moved (a seeded fit afterwards matches a fresh network).
// A refused create or fromJSON involves no network: a bad config or JSON must be refused before
// any wasm instance is made.

import { afterAll, describe, expect, it, vi } from 'vitest';
import { ACTIVATIONS } from '../src/activations.js';
import {
  DivergenceError, gradientCheck, type Matrix, Network, type NetworkConfig, type NetworkJSON, NonFiniteOutputError, SimdnetError,
} from '../src/index.js';
import { Rng } from '../src/random.js';
import { expectNamedError, expectUntouched, failure, weightHash } from './support/untouched.js';

const NETS = {
  regressor: {
    inputs: 2, layers: [{ units: 3, activation: 'tanh' }, { units: 1, activation: 'linear' }], loss: 'squaredError', seed: 5,
  },
  binary: {
    inputs: 2, layers: [{ units: 4, activation: 'relu' }, { units: 2, activation: 'sigmoid' }], loss: 'binaryCrossentropy', seed: 6,
  },
  categorical: {
    inputs: 2, layers: [{ units: 4, activation: 'leakyRelu' }, { units: 3, activation: 'softmax' }],
    loss: 'categoricalCrossentropy', seed: 7,
  },
  // Wide enough that a batch of a few thousand rows needs more than 4 GiB of activations.
  wide: {
    inputs: 1, layers: [{ units: 2 ** 18, activation: 'relu' }, { units: 1, activation: 'linear' }], loss: 'squaredError', seed: 8,
  },
} satisfies Record<string, NetworkConfig>;
type NetName = keyof typeof NETS;

const ROWS = 8;
const rng = Rng.fromSeed(2024);
const rowsOf = (width: number, cell: (r: number, j: number) => number): number[][] =>
  Array.from({ length: ROWS }, (_, r) => Array.from({ length: width }, (_, j) => cell(r, j)));
const X: Record<NetName, number[][]> = {
  regressor: rowsOf(2, () => rng.uniform() * 2 - 1),
  binary: rowsOf(2, () => rng.uniform() * 2 - 1),
  categorical: rowsOf(2, () => rng.uniform() * 2 - 1),
  wide: rowsOf(1, () => rng.uniform()),
};
const Y: Record<NetName, number[][]> = {
  regressor: rowsOf(1, () => rng.uniform() * 4 - 2),
  binary: rowsOf(2, (r, j) => (r + j) % 2),
  categorical: rowsOf(3, (r, j) => Number(r % 3 === j)),
  wide: rowsOf(1, () => rng.uniform()),
};

/** A copy of rows with one cell replaced. */
const withCell = (rows: number[][], r: number, j: number, value: unknown): number[][] =>
  rows.map((row, i) => (i === r ? row.map((v, k) => (k === j ? value : v)) : row)) as number[][];
/** A copy of rows with row r replaced. */
const withRow = (rows: number[][], r: number, row: unknown): number[][] =>
  rows.map((old, i) => (i === r ? row : old)) as number[][];
const flat = (rows: number[][]): Float32Array => Float32Array.from(rows.flat());

const regressorWith = (patch: Record<string, unknown>, layerPatch: Record<string, unknown> = {}): unknown => ({
  ...NETS.regressor, ...patch, layers: [{ ...NETS.regressor.layers[0], ...layerPatch }, NETS.regressor.layers[1]],
});
const create = (config: unknown) => () => Network.create(config as NetworkConfig);
const fitRegressor = (options: unknown) => (net: Network) => net.fit(X.regressor, Y.regressor, options as object);
const fitOn = (x: unknown, y: unknown, options: object = { epochs: 1 }) => (net: Network) => net.fit(x as Matrix, y as Matrix, options);

// A valid saved network (checked below), and copies of it with one thing changed.
const JSON_BASE = {
  format: 'simdnet', version: 1, inputs: 2, loss: 'squaredError', seed: 0,
  layers: [
    { units: 3, activation: 'tanh', bias: true, trainBias: true, weights: [0.1, -0.2, 0.3, 0.4, -0.5, 0.6], biases: [0, 0.1, 0] },
    { units: 1, activation: 'linear', bias: false, trainBias: false, weights: [1, 2, 3], biases: null },
  ],
};
type Json = typeof JSON_BASE & Record<string, unknown>;
const jsonWith = (edit: (json: Json) => void): Json => {
  const json = structuredClone(JSON_BASE) as Json;
  edit(json);
  return json;
};
const load = (json: unknown, options?: unknown) => () => Network.fromJSON(json as NetworkJSON, options as object);
const layerOf = (json: Json, l: number): { weights: unknown[]; biases: unknown[] | null } & Record<string, unknown> =>
  json.layers[l] as unknown as { weights: unknown[]; biases: unknown[] | null } & Record<string, unknown>;

// Every activation of the table, quoted, as "'a', 'b' or 'c'".
const ACTIVATION_NAMES = new RegExp(`${ACTIVATIONS.slice(0, -1).map((a) => `'${a}'`).join(', ')} or '${ACTIVATIONS.at(-1)}'`);
const LOSS_NAMES = /'squaredError', 'binaryCrossentropy', 'categoricalCrossentropy', 'meanAbsoluteError', 'huber' or 'sparseCategoricalCrossentropy'/;

/** [what, the network involved (or standing by), the bad call, what the message must say] */
type Case = [string, NetName, (net: Network) => unknown, RegExp];

const CONFIG_CASES: Case[] = [
  ['unknown activation', 'regressor', create(regressorWith({}, { activation: 'relu6' })),
    new RegExp(`layers\\[0\\]\\.activation must be ${ACTIVATION_NAMES.source}, got "relu6"`)],
  ['unknown loss', 'regressor', create(regressorWith({ loss: 'mse' })), new RegExp(`config\\.loss must be ${LOSS_NAMES.source}`)],
  ['fractional units', 'regressor', create(regressorWith({}, { units: 2.5 })), /layers\[0\]\.units must be an integer from 1 to \d+, got 2\.5/],
  ['zero units', 'regressor', create(regressorWith({}, { units: 0 })), /layers\[0\]\.units must be an integer from 1/],
  ['negative units', 'regressor', create(regressorWith({}, { units: -3 })), /layers\[0\]\.units .*got -3/],
  ['units as a string', 'regressor', create(regressorWith({}, { units: '3' })), /layers\[0\]\.units .*got "3"/],
  ['zero inputs', 'regressor', create(regressorWith({ inputs: 0 })), /config\.inputs must be an integer from 1/],
  ['NaN inputs', 'regressor', create(regressorWith({ inputs: Number.NaN })), /config\.inputs .*got NaN/],
  ['units beyond the largest width', 'regressor', create(regressorWith({}, { units: 2 ** 24 + 1 })), /units must be an integer from 1 to 16777216/],
  ['no layers', 'regressor', create({ ...NETS.regressor, layers: [] }), /config\.layers must be a non-empty array/],
  ['layers missing', 'regressor', create({ inputs: 2, loss: 'squaredError' }), /config\.layers must be a non-empty array/],
  ['a layer that is not an object', 'regressor', create({ ...NETS.regressor, layers: [3] }), /config\.layers\[0\] must be an object, got 3/],
  ['categorical cross-entropy on one output unit', 'regressor', create(regressorWith({ loss: 'categoricalCrossentropy' })),
    /'categoricalCrossentropy' needs an output layer of at least 2 units.*'binaryCrossentropy'/],
  ['softmax on one unit', 'regressor', create({ ...NETS.regressor, layers: [{ units: 1, activation: 'softmax' }] }),
    /layers\[0\]: a softmax layer needs at least 2 units/],
  ['an unknown option', 'regressor', create(regressorWith({ activation: 'relu' })), /config has an unknown option 'activation'; the options are 'inputs', 'layers'/],
  ['alpha on a layer that is not leakyRelu', 'regressor', create(regressorWith({}, { alpha: 0.1 })), /layers\[0\]\.alpha applies only to 'leakyRelu'/],
  ['negative alpha', 'regressor', create(regressorWith({}, { activation: 'leakyRelu', alpha: -0.1 })), /layers\[0\]\.alpha must be a finite number ≥ 0/],
  ['alpha beyond float32', 'regressor', create(regressorWith({}, { activation: 'leakyRelu', alpha: 1e39 })), /alpha .*got 1e\+39 \(Infinity in float32\)/],
  ['trainBias without bias', 'regressor', create(regressorWith({}, { bias: false, trainBias: true })), /layers\[0\]\.trainBias cannot be true when bias is false/],
  ['bias not a boolean', 'regressor', create(regressorWith({}, { bias: 1 })), /layers\[0\]\.bias must be true or false, got 1/],
  ['negative seed', 'regressor', create(regressorWith({ seed: -1 })), /config\.seed must be an integer from 0 to 4294967295/],
  ['unknown init', 'regressor', create(regressorWith({ init: 'xavier' })), /config\.init must be 'auto', 'glorotUniform', .*'heNormal', got "xavier"/],
  ['unknown backend', 'regressor', create(regressorWith({ backend: 'gpu' })), /config\.backend must be 'auto', 'simd', 'scalar' or 'relaxed'/],
  ['config null', 'regressor', create(null), /config must be an object, got null/],
  ['an option only on the prototype is not read', 'regressor',
    create(Object.assign(Object.create({ loss: 'squaredError' }), { inputs: 2, layers: NETS.regressor.layers })), /config\.loss must be/],
];

const FIT_OPTION_CASES: Case[] = [
  ['unknown optimizer name', 'regressor', fitRegressor({ optimizer: 'nadam' }),
    /optimizer must be 'sgd', 'momentum', 'adam', 'rmsprop', 'adagrad' or 'adamw', got "nadam"/],
  ['unknown optimizer type', 'regressor', fitRegressor({ optimizer: { type: 'lion' } }), /optimizer\.type must be 'sgd', 'momentum', 'adam', 'rmsprop', 'adagrad' or 'adamw'/],
  ['negative learning rate', 'regressor', fitRegressor({ optimizer: { type: 'sgd', learningRate: -0.1 } }), /optimizer\.learningRate must be a finite number > 0, got -0\.1/],
  ['NaN learning rate', 'regressor', fitRegressor({ optimizer: { type: 'adam', learningRate: Number.NaN } }), /optimizer\.learningRate .*got NaN/],
  ['zero learning rate', 'regressor', fitRegressor({ optimizer: { type: 'momentum', learningRate: 0 } }), /optimizer\.learningRate must be a finite number > 0/],
  ['learning rate that overflows float32', 'regressor', fitRegressor({ optimizer: { type: 'sgd', learningRate: 1e300 } }),
    /learningRate .*got 1e\+300 \(Infinity in float32\)/],
  ['batchSize 0', 'regressor', fitRegressor({ batchSize: 0 }), /batchSize must be an integer from 1 to 2147483647, got 0/],
  ['fractional batchSize', 'regressor', fitRegressor({ batchSize: 1.5 }), /batchSize must be an integer .*got 1\.5/],
  ['zero epochs', 'regressor', fitRegressor({ epochs: 0 }), /epochs must be an integer from 1/],
  ['epochs as a string', 'regressor', fitRegressor({ epochs: '10' }), /epochs .*got "10"/],
  ['momentum of 1', 'regressor', fitRegressor({ optimizer: { type: 'momentum', momentum: 1 } }), /optimizer\.momentum must be a finite number ≥ 0 and < 1, got 1/],
  // Below 1 in float64 but 1 in float32: Adam's bias correction would divide by zero.
  ['beta2 that rounds to 1 in float32', 'regressor', fitRegressor({ optimizer: { type: 'adam', beta2: 0.99999999999 } }),
    /optimizer\.beta2 must be .*< 1, got 0\.99999999999 \(1 in float32\)/],
  ['epsilon that rounds to 0 in float32', 'regressor', fitRegressor({ optimizer: { type: 'adam', epsilon: 1e-50 } }),
    /optimizer\.epsilon must be a finite number > 0, got 1e-50 \(0 in float32\)/],
  ["Adam's option on sgd", 'regressor', fitRegressor({ optimizer: { type: 'sgd', beta1: 0.9 } }),
    /optimizer \(sgd\) has an unknown option 'beta1'; the options are 'type' or 'learningRate'/],
  ['negative l2', 'regressor', fitRegressor({ l2: -1 }), /l2 must be a finite number ≥ 0, got -1/],
  ['validationSplit of 1', 'regressor', fitRegressor({ validationSplit: 1 }), /validationSplit must be a finite number ≥ 0 and < 1/],
  ['validationSplit leaving no training row', 'regressor', fitRegressor({ validationSplit: 0.9 }),
    /validationSplit 0\.9 of 8 rows leaves 8 validation and 0 training rows; both need at least one/],
  ['unknown fit option', 'regressor', fitRegressor({ epoch: 3 }), /fit options has an unknown option 'epoch'; the options are 'epochs'/],
  ['onEpochEnd not a function', 'regressor', fitRegressor({ onEpochEnd: 'log' }), /onEpochEnd must be a function, got "log"/],
  ['signal not an AbortSignal', 'regressor', fitRegressor({ signal: {} }), /signal must be an AbortSignal/],
  ['shuffle not a boolean', 'regressor', fitRegressor({ shuffle: 'yes' }), /shuffle must be true or false, got "yes"/],
  ['fit options not an object', 'regressor', fitRegressor(5), /fit options must be an object, got 5/],
  ['negative l1', 'regressor', fitRegressor({ l1: -0.1 }), /l1 must be a finite number ≥ 0, got -0\.1/],
  ['clipNorm of 0', 'regressor', fitRegressor({ clipNorm: 0 }), /clipNorm must be a finite number > 0, got 0/],
  ['clipValue NaN', 'regressor', fitRegressor({ clipValue: Number.NaN }), /clipValue must be a finite number > 0, got NaN/],
  ['clipNorm and clipValue together', 'regressor', fitRegressor({ clipNorm: 1, clipValue: 1 }), /clipNorm and clipValue cannot both be given/],
  ['negative weightDecay', 'regressor', fitRegressor({ optimizer: { type: 'adamw', weightDecay: -0.01 } }), /optimizer\.weightDecay must be a finite number ≥ 0/],
  ["AdamW's option on adam", 'regressor', fitRegressor({ optimizer: { type: 'adam', weightDecay: 0.01 } }),
    /optimizer \(adam\) has an unknown option 'weightDecay'/],
  ['rho of 1', 'regressor', fitRegressor({ optimizer: { type: 'rmsprop', rho: 1 } }), /optimizer\.rho must be a finite number ≥ 0 and < 1, got 1/],
  ['negative initialAccumulatorValue', 'regressor', fitRegressor({ optimizer: { type: 'adagrad', initialAccumulatorValue: -1 } }),
    /optimizer\.initialAccumulatorValue must be a finite number ≥ 0/],
  ['negative patience', 'binary', fitOn(X.binary, Y.binary, { validationSplit: 0.25, earlyStopping: { patience: -1 } }),
    /earlyStopping\.patience must be an integer from 0 to 2147483647, got -1/],
  ['an unknown monitor', 'binary', fitOn(X.binary, Y.binary, { validationSplit: 0.25, earlyStopping: { monitor: 'val_loss' } }),
    /earlyStopping\.monitor must be 'valLoss', 'loss', 'valAccuracy' or 'accuracy', got "val_loss"/],
  ['an unknown earlyStopping option', 'binary', fitOn(X.binary, Y.binary, { earlyStopping: { monitor: 'loss', baseline: 0.1 } }),
    /earlyStopping has an unknown option 'baseline'; the options are 'monitor', 'patience', 'minDelta' or 'restoreBestWeights'/],
  ['negative minDelta', 'binary', fitOn(X.binary, Y.binary, { earlyStopping: { monitor: 'loss', minDelta: -1 } }), /earlyStopping\.minDelta must be a finite number ≥ 0/],
  ['early stopping on valLoss without validation rows', 'binary', fitOn(X.binary, Y.binary, { earlyStopping: {} }),
    /earlyStopping\.monitor 'valLoss' needs validation rows: give validationSplit or validationData/],
  ['early stopping on accuracy without classification outputs', 'regressor', fitRegressor({ earlyStopping: { monitor: 'accuracy' } }),
    /earlyStopping\.monitor 'accuracy' needs classification outputs/],
  ['an unknown schedule', 'regressor', fitRegressor({ learningRateSchedule: { type: 'cyclic' } }),
    /learningRateSchedule\.type must be 'step', 'exponential', 'cosine' or 'reduceOnPlateau', got "cyclic"/],
  ['a schedule without its period', 'regressor', fitRegressor({ learningRateSchedule: { type: 'exponential', decayRate: 0.5 } }),
    /learningRateSchedule\.decaySteps must be an integer from 1 to 2147483647, got undefined/],
  ["another schedule's option", 'regressor', fitRegressor({ learningRateSchedule: { type: 'step', every: 2, decayRate: 0.5 } }),
    /learningRateSchedule \(step\) has an unknown option 'decayRate'/],
  ['a cosine floor above 1', 'regressor', fitRegressor({ learningRateSchedule: { type: 'cosine', decaySteps: 5, alpha: 2 } }),
    /learningRateSchedule\.alpha must be a finite number ≥ 0 and ≤ 1, got 2/],
  ['a plateau factor of 1', 'regressor', fitRegressor({ learningRateSchedule: { type: 'reduceOnPlateau', monitor: 'loss', factor: 1 } }),
    /learningRateSchedule\.factor must be a finite number > 0 and < 1, got 1/],
  ['a plateau on valLoss without validation rows', 'regressor', fitRegressor({ learningRateSchedule: { type: 'reduceOnPlateau' } }),
    /learningRateSchedule\.monitor 'valLoss' needs validation rows/],
  ['an exponential schedule whose rate overflows float32', 'regressor',
    fitRegressor({ epochs: 10, learningRateSchedule: { type: 'exponential', decaySteps: 1, decayRate: 1e10 } }),
    /learningRateSchedule \(exponential\) would raise the learning rate to Infinity by step 10 of this fit, beyond float32's range; use a smaller decayRate/],
  ['a step schedule whose rate overflows float32', 'regressor',
    fitRegressor({ epochs: 3, learningRateSchedule: { type: 'step', every: 1, factor: 1e30 } }),
    /learningRateSchedule \(step\) would raise the learning rate to Infinity by epoch 3 of this fit/],
  ['validationSplit and validationData together', 'regressor', fitRegressor({ validationSplit: 0.5, validationData: [X.regressor, Y.regressor] }),
    /validationSplit and validationData cannot both be given/],
  ['validationData that is not a pair', 'regressor', fitRegressor({ validationData: [X.regressor] }),
    /validationData must be an array \[x, y\], got an array of length 1/],
  ['validationData rows of the wrong width', 'regressor', fitRegressor({ validationData: [[[1, 2, 3]], [[1]]] }),
    /validationData\[0\]\[0\] has 3 values, but the network's inputs is 2/],
  ['validationData row counts that differ', 'regressor', fitRegressor({ validationData: [[[1, 2], [3, 4]], [[1]]] }),
    /validationData\[0\] has 2 rows but validationData\[1\] has 1; they must match/],
  ['NaN in validationData', 'regressor', fitRegressor({ validationData: [[[1, 2]], [[Number.NaN]]] }), /validationData\[1\]\[0\]\[0\] is NaN/],
  ['validationData targets outside [0, 1] for binary cross-entropy', 'binary', fitOn(X.binary, Y.binary, { validationData: [[[0, 1]], [[2, 0]]] }),
    /validationData\[1\]\[0\]\[0\] is 2; with loss 'binaryCrossentropy' every target must be in \[0, 1\]/],
  ['a split fraction of 0', 'regressor', fitRegressor({ validationSplit: { fraction: 0, shuffle: true } }),
    /validationSplit\.fraction must be a finite number > 0 and < 1, got 0/],
  ['an unknown split option', 'regressor', fitRegressor({ validationSplit: { fraction: 0.25, stratify: true } }),
    /validationSplit has an unknown option 'stratify'; the options are 'fraction', 'shuffle' or 'seed'/],
  ['a split seed that is not an integer', 'regressor', fitRegressor({ validationSplit: { fraction: 0.25, shuffle: true, seed: 1.5 } }),
    /validationSplit\.seed must be an integer from 0 to 4294967295, got 1\.5/],
];

const DATA_CASES: Case[] = [
  ['an x row of the wrong length', 'regressor', fitOn(withRow(X.regressor, 2, [1]), Y.regressor), /x\[2\] has 1 values, but the network's inputs is 2/],
  ['a y row of the wrong length', 'binary', fitOn(X.binary, withRow(Y.binary, 5, [0, 1, 0])), /y\[5\] has 3 values, but the output layer's units is 2/],
  ['a flat x that is not whole rows', 'regressor', (net) => net.predict(new Float32Array(7)), /x has 7 values, which is not a whole number of rows of 2/],
  ['x and y row counts differ', 'regressor', fitOn(X.regressor, Y.regressor.slice(1)), /x has 8 rows but y has 7; they must match/],
  ['empty x', 'regressor', fitOn([], []), /x is empty: it needs at least one row/],
  ['empty Float32Array', 'regressor', (net) => net.predict(new Float32Array(0)), /x is empty/],
  ['NaN in x (rows)', 'regressor', fitOn(withCell(X.regressor, 1, 0, Number.NaN), Y.regressor), /x\[1\]\[0\] is NaN; every value must be a finite number/],
  ['Infinity in x (Float32Array)', 'regressor', fitOn(flat(withCell(X.regressor, 3, 1, Infinity)), Y.regressor),
    /x\[7\] \(row 3, column 1\) is Infinity/],
  ['-Infinity in y', 'regressor', fitOn(X.regressor, withCell(Y.regressor, 6, 0, -Infinity)), /y\[6\]\[0\] is Infinity/],
  ['NaN in y (flat number[])', 'binary', fitOn(X.binary, withCell(Y.binary, 2, 1, Number.NaN).flat()), /y\[5\] \(row 2, column 1\) is NaN/],
  ['a double beyond float32 in x', 'regressor', fitOn(withCell(X.regressor, 0, 1, 1e39), Y.regressor), /x\[0\]\[1\] is Infinity or beyond the float32 range/],
  ['a string in x', 'regressor', fitOn(withCell(X.regressor, 0, 1, '0.5'), Y.regressor), /x\[0\]\[1\] is not a number: "0\.5"/],
  ['null in a flat y', 'regressor', fitOn(X.regressor, withCell(Y.regressor, 4, 0, null).flat()), /y\[4\] \(row 4\) is not a number: null/],
  ['x a string', 'regressor', fitOn('1,2;3,4', Y.regressor), /x must be an array of rows, a flat number array or a Float32Array, got "1,2;3,4"/],
  ['x an Int32Array', 'regressor', (net) => net.predict(new Int32Array(4) as unknown as Float32Array), /x must be an array of rows.*got a Int32Array/],
  ['a row that is not an array', 'regressor', fitOn(withRow(X.regressor, 1, 7), Y.regressor), /x\[1\] must be an array of 2 numbers, got 7/],
  // forEach would skip the hole and leave that row of the workspace unwritten.
  ['a hole in the rows', 'regressor', (net) => net.predict([[1, 2], , [3, 4]] as number[][]), /x\[1\] must be an array of 2 numbers, got undefined/],
  ['a hole in a flat array', 'regressor', (net) => net.predict([1, 2, , 4] as number[]), /x\[2\] \(row 1\) is not a number: undefined/],
  ['binary target above 1', 'binary', fitOn(X.binary, withCell(Y.binary, 2, 0, 1.5)), /y\[2\]\[0\] is 1\.5; with loss 'binaryCrossentropy' every target must be in \[0, 1\]/],
  ['negative binary target (flat)', 'binary', fitOn(X.binary, flat(withCell(Y.binary, 1, 1, -0.1))), /y\[3\] \(row 1, column 1\) is -0\.1; .*\[0, 1\]/],
  ['binary target above 1 in evaluate', 'binary', (net) => net.evaluate(X.binary, withCell(Y.binary, 7, 1, 2)), /y\[7\]\[1\] is 2; .*binaryCrossentropy/],
  ['categorical row summing to 2', 'categorical', fitOn(X.categorical, withRow(Y.categorical, 1, [1, 1, 0])),
    /y\[1\] sums to 2; with loss 'categoricalCrossentropy' each target row must sum to 1 \(one-hot or soft labels, within 0\.001\)/],
  ['categorical row of zeros (flat)', 'categorical', fitOn(X.categorical, withRow(Y.categorical, 2, [0, 0, 0]).flat()),
    /row 2 of y \(y\[6…8\]\) sums to 0/],
  ['categorical target outside [0, 1] though the row sums to 1', 'categorical', fitOn(X.categorical, withRow(Y.categorical, 0, [1.5, -0.5, 0])),
    /y\[0\]\[0\] is 1\.5; with loss 'categoricalCrossentropy' every target must be in \[0, 1\]/],
  ['categorical soft row off by more than 1e-3', 'categorical', (net) => net.evaluate(X.categorical, withRow(Y.categorical, 4, [0.5, 0.25, 0.248])),
    /y\[4\] sums to 0\.998/],
  ['categorical targets in gradientCheck', 'categorical', (net) => gradientCheck(net, X.categorical, withRow(Y.categorical, 3, [0, 2, 0])),
    /y\[3\]\[1\] is 2/],
  ['NaN in predict', 'binary', (net) => net.predict(withCell(X.binary, 5, 1, Number.NaN)), /x\[5\]\[1\] is NaN/],
  ['evaluate with differing row counts', 'binary', (net) => net.evaluate(X.binary, Y.binary.slice(0, 3)), /x has 8 rows but y has 3/],
  ['gradientCheck with a bad option', 'regressor', (net) => gradientCheck(net, X.regressor, Y.regressor, { step: 0 }), /step must be a finite number > 0/],
  ['gradientCheck with a negative l1', 'regressor', (net) => gradientCheck(net, X.regressor, Y.regressor, { l1: -1 }), /l1 must be a finite number ≥ 0/],
];

const SIZE_CASES: Case[] = [
  ['a network beyond 4 GiB (2^20 inputs × 2^12 units)', 'regressor',
    create({ inputs: 2 ** 20, layers: [{ units: 2 ** 12, activation: 'relu' }], loss: 'squaredError' }),
    /the network needs \d+\.\d MiB of wasm memory .*; WebAssembly memory is limited to 4 GiB/],
  ['a batch beyond 4 GiB of activations', 'wide', (net) => net.fit(new Float32Array(4200), new Float32Array(4200), { batchSize: 4200 }),
    /fit on 4200 rows with batchSize 4200 needs \d+\.\d MiB of wasm memory/],
  ['a gradient check over too many rows', 'wide', (net) => gradientCheck(net, new Float32Array(4200), new Float32Array(4200)),
    /gradient on 4200 rows needs \d+\.\d MiB/],
];

const JSON_CASES: Case[] = [
  ['a later version', 'regressor', load(jsonWith((j) => { j.version = 2 as 1; })), /version 2 is not supported; this simdnet reads version 1/],
  ['another format', 'regressor', load(jsonWith((j) => { j.format = 'keras'; })), /format must be 'simdnet', got "keras"/],
  ['truncated weights', 'regressor', load(jsonWith((j) => { layerOf(j, 0).weights.pop(); })), /layers\[0\]\.weights has 5 values; the layer sizes call for 6/],
  ['too many biases', 'regressor', load(jsonWith((j) => { layerOf(j, 0).biases!.push(0); })), /layers\[0\]\.biases has 4 values; the layer sizes call for 3/],
  ['inputs that do not match the weights', 'regressor', load(jsonWith((j) => { j.inputs = 3; })), /layers\[0\]\.weights has 6 values; the layer sizes call for 9/],
  ['a NaN weight', 'regressor', load(jsonWith((j) => { layerOf(j, 1).weights[1] = Number.NaN; })), /layers\[1\]\.weights\[1\] must be a finite float32 number, got NaN/],
  ['a weight beyond float32', 'regressor', load(jsonWith((j) => { layerOf(j, 1).weights[2] = 1e39; })), /layers\[1\]\.weights\[2\] must be a finite float32/],
  ['a weight as a string', 'regressor', load(JSON.stringify(jsonWith((j) => { layerOf(j, 0).weights = ['0.1', 0, 0, 0, 0, 0]; }))),
    /layers\[0\]\.weights\[0\] must be a finite float32 number, got "0\.1"/],
  ['units as a string', 'regressor', load(jsonWith((j) => { layerOf(j, 0).units = '3'; })), /layers\[0\]\.units must be an integer .*got "3"/],
  ['enormous units', 'regressor', load(jsonWith((j) => { layerOf(j, 0).units = 2 ** 40; })), /layers\[0\]\.units must be an integer from 1 to 16777216/],
  ['enormous sizes with few weights', 'regressor', load(jsonWith((j) => { j.inputs = 2 ** 24; layerOf(j, 0).units = 2 ** 24; })),
    /layers\[0\]\.weights has 6 values; the layer sizes call for 281474976710656/],
  ['a "__proto__" key', 'regressor', load(JSON.stringify(JSON_BASE).replace('"units":3', '"__proto__":{"polluted":1},"units":3')),
    /layers\[0\] has an unknown option '__proto__'/],
  ['a "constructor" key', 'regressor', load(JSON.stringify(JSON_BASE).replace('"format"', '"constructor":{"prototype":{}},"format"')),
    /the network has an unknown option 'constructor'/],
  ['layers not an array', 'regressor', load(jsonWith((j) => { (j as Record<string, unknown>).layers = { 0: JSON_BASE.layers[0] }; })),
    /layers must be a non-empty array, got an object/],
  ['truncated text', 'regressor', load(JSON.stringify(JSON_BASE).slice(0, 80)), /fromJSON: the text is not valid JSON/],
  ['deep nesting', 'regressor', load(JSON.stringify(JSON_BASE).replace('"layers":[', `"layers":[${'['.repeat(100_000)}${']'.repeat(100_000)},`)),
    /layers\[0\] must be an object, got an array of length 1/],
  ['an unknown loss', 'regressor', load(jsonWith((j) => { j.loss = 'hinge'; })), new RegExp(`fromJSON: loss must be ${LOSS_NAMES.source}`)],
  ['an unknown activation', 'regressor', load(jsonWith((j) => { layerOf(j, 0).activation = 'mish'; })), new RegExp(`activation must be ${ACTIVATION_NAMES.source}`)],
  ['seed missing', 'regressor', load(jsonWith((j) => { delete (j as Partial<Json>).seed; })), /fromJSON: seed must be an integer .*got undefined/],
  ['biases given for a layer without bias', 'regressor', load(jsonWith((j) => { layerOf(j, 1).biases = [0]; })),
    /layers\[1\]\.biases must be null for a layer without bias/],
  ['null', 'regressor', load(null), /fromJSON: the network must be an object, got null/],
  ['a softmax layer of one unit', 'regressor', load(jsonWith((j) => { layerOf(j, 1).activation = 'softmax'; })), /softmax layer needs at least 2 units/],
  ['an unknown backend option', 'regressor', load(JSON_BASE, { backend: 'gpu' }), /backend must be 'auto', 'simd', 'scalar' or 'relaxed'/],
];

const WEIGHT_CASES: Case[] = [
  ['setWeights with too few layers', 'regressor', (net) => net.setWeights([]), /setWeights needs an array of 2 layers, got an array of length 0/],
  ['setWeights with a short weight array', 'regressor', (net) => net.setWeights([{ weights: [1, 2], bias: [0, 0, 0] }, { weights: [1, 2, 3], bias: [0] }]),
    /setWeights: layers\[0\]\.weights has 2 values; the layer sizes call for 6/],
  ['setWeights with a NaN bias in the last layer', 'regressor',
    (net) => net.setWeights([{ weights: [1, 2, 3, 4, 5, 6], bias: [0, 0, 0] }, { weights: [1, 2, 3], bias: [Number.NaN] }]),
    /setWeights: layers\[1\]\.bias\[0\] must be a finite float32 number, got NaN/],
];

const CASES: Case[] = [...CONFIG_CASES, ...FIT_OPTION_CASES, ...DATA_CASES, ...SIZE_CASES, ...JSON_CASES, ...WEIGHT_CASES];

describe('every bad input is a named SimdnetError and changes nothing', () => {
  it('the table has at least 40 cases, and its starting points are valid', async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    const loaded = await Network.fromJSON(JSON_BASE as NetworkJSON);
    expect(loaded.predict([[1, 1]])).toHaveLength(1);
    loaded.dispose();
    for (const name of Object.keys(NETS) as NetName[]) {
      const net = await Network.create(NETS[name]);
      expect(net.evaluate(X[name], Y[name]).loss).toBeGreaterThan(0);
      net.dispose();
    }
  });

  const instantiate = vi.spyOn(WebAssembly, 'instantiate');
  afterAll(() => instantiate.mockRestore());

  it.each(CASES)('%s', async (what, name, call, message) => {
    if (call.length === 0) {
      // No network involved. A bad config or JSON is refused before wasm is instantiated; a
      // network too large for wasm memory, once the module's heap base gives its layout.
      const instances = instantiate.mock.calls.length;
      expectNamedError(await failure(() => call(undefined as never)), message);
      if (!SIZE_CASES.some(([sizeCase]) => sizeCase === what)) {
        expect(instantiate.mock.calls.length, 'wasm instances made before refusing').toBe(instances);
      }
      return;
    }
    const net = await Network.create(NETS[name]);
    const before = weightHash(net);
    expectNamedError(await failure(() => call(net)), message);
    await expectUntouched(net, before, NETS[name], X[name], Y[name]);
    net.dispose();
  });
});

describe('hostile JSON', () => {
  it('a sparse weight array as long as the sizes claim is rejected before anything that size is allocated', async () => {
    // The array claims ~2^32 weights (16 GiB as float32) and costs its maker nothing.
    const claimed = (2 ** 24 - 1) * 256;
    const json = jsonWith((j) => { j.inputs = 2 ** 24 - 1; layerOf(j, 0).units = 256; layerOf(j, 0).weights = new Array(claimed); });
    const before = process.memoryUsage().arrayBuffers;
    expectNamedError(await failure(load(json)), /layers\[0\]\.weights\[0\] must be a finite float32 number, got undefined/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(2 ** 26);
  });
});

describe('new Network() from plain JavaScript', () => {
  it('throws a SimdnetError at once that says to use Network.create', () => {
    const construct = Network as unknown as new (config: NetworkConfig) => Network;
    expect(() => new construct(NETS.regressor)).toThrow(SimdnetError);
    expect(() => new construct(NETS.regressor)).toThrow(/use await Network\.create\(config\)/);
  });
});

describe('training that goes wrong', () => {
  const linear: NetworkConfig = { inputs: 2, layers: [{ units: 1, activation: 'linear' }], loss: 'squaredError', seed: 3 };
  const big = X.regressor.map((row) => row.map((v) => v * 100));

  it('divergence rejects with a DivergenceError and restores the weights the failing epoch began with', async () => {
    const net = await Network.create(linear);
    const initial = net.getWeights();
    const seen: { epoch: number; batch: number; weights: string }[] = [];
    const error = await failure(() => net.fit(big, Y.regressor, {
      epochs: 100, batchSize: 2, shuffle: false, optimizer: { type: 'sgd', learningRate: 0.05 },
      onBatchEnd: ({ epoch, batch }) => seen.push({ epoch, batch, weights: weightHash(net) }),
    }));
    expect(error).toBeInstanceOf(DivergenceError);
    const { epoch, batch, learningRate, history } = error as DivergenceError;
    expectNamedError(error, new RegExp(`training diverged in epoch ${epoch}, batch ${batch}: the loss .*learning rate 0\\.05\\b.*restored.*epoch ${epoch} began`));
    expect(epoch).toBeGreaterThan(1);
    expect(learningRate).toBe(0.05);
    // onBatchEnd (one batch per call into wasm) saw the weights after every good batch: the
    // failing batch is the one after the last it saw, and the weights are those the last
    // batch of the epoch before left.
    const last = seen.at(-1)!;
    expect(last.batch === ROWS / 2 ? [last.epoch + 1, 1] : [last.epoch, last.batch + 1]).toEqual([epoch, batch]);
    const endOfPrevious = seen.filter((s) => s.epoch === epoch - 1).at(-1)!;
    expect(endOfPrevious.batch).toBe(ROWS / 2);
    expect(weightHash(net)).toBe(endOfPrevious.weights);
    expect(history.epochs).toBe(epoch - 1);
    expect(history.loss).toHaveLength(epoch - 1);
    // The network stays usable: from sane weights, a gentler fit runs and lowers the loss.
    net.setWeights(initial);
    const loss = net.evaluate(big, Y.regressor).loss;
    await net.fit(big, Y.regressor, { epochs: 20, optimizer: { type: 'sgd', learningRate: 1e-5 } });
    expect(net.evaluate(big, Y.regressor).loss).toBeLessThan(loss);
    net.dispose();
  });

  it('outputs that overflow float32 are a NonFiniteOutputError naming the first such row, never NaN in an answer', async () => {
    const net = await Network.create(linear);
    net.setWeights([{ weights: [3e38, 3e38], bias: [0] }]);
    const before = weightHash(net);
    const rows = [[0.5, -0.5], [1, 1], [2, 2]];
    for (const x of [rows, Float32Array.from(rows.flat())]) {
      const error = await failure(() => net.predict(x));
      expect(error).toBeInstanceOf(NonFiniteOutputError);
      expect((error as NonFiniteOutputError).row).toBe(1);
      expectNamedError(error, x === rows ? /^predict: the network's outputs for x\[1\] are NaN or Infinity/ : /outputs for row 1 of x/);
    }
    const error = await failure(() => net.evaluate(rows, [[0], [0], [0]]));
    expect((error as NonFiniteOutputError).row).toBeNull();
    expectNamedError(error, /^evaluate: the network's outputs for some of these rows are NaN or Infinity/);
    expect(net.predict([[0.5, -0.5]])).toEqual([[0]]);
    expect(weightHash(net)).toBe(before);
    net.dispose();
  });

  it('a signal aborted before fit starts changes nothing', async () => {
    const net = await Network.create(NETS.binary);
    const before = weightHash(net);
    const history = await net.fit(X.binary, Y.binary, { epochs: 5, signal: AbortSignal.abort() });
    expect(history).toMatchObject({ epochs: 0, loss: [], stopped: 'aborted' });
    await expectUntouched(net, before, NETS.binary, X.binary, Y.binary);
    net.dispose();
  });

  it('aborting mid-fit leaves the network as if it had been asked for that many epochs', async () => {
    const [aborted, planned] = await Promise.all([Network.create(NETS.binary), Network.create(NETS.binary)]);
    const controller = new AbortController();
    const history = await aborted.fit(X.binary, Y.binary, {
      epochs: 1000, batchSize: 3, signal: controller.signal,
      onEpochEnd: ({ epoch }) => { if (epoch === 4) controller.abort(); },
    });
    expect(history).toMatchObject({ epochs: 4, stopped: 'aborted' });
    await planned.fit(X.binary, Y.binary, { epochs: 4, batchSize: 3 });
    expect(weightHash(aborted)).toBe(weightHash(planned));
    // Its generator moved exactly as far, and it trains again.
    await Promise.all([aborted, planned].map((net) => net.fit(X.binary, Y.binary, { epochs: 2 })));
    expect(weightHash(aborted)).toBe(weightHash(planned));
    aborted.dispose();
    planned.dispose();
  });

  it('fit while another fit runs is refused, and does not disturb the running one', async () => {
    const [busy, alone] = await Promise.all([Network.create(NETS.categorical), Network.create(NETS.categorical)]);
    const options = { epochs: 30, batchSize: 1, onEpochEnd: () => {} };
    const running = busy.fit(X.categorical, Y.categorical, options);
    expectNamedError(await failure(() => busy.fit(X.categorical, Y.categorical)), /fit is already running on this network/);
    await running;
    await alone.fit(X.categorical, Y.categorical, options);
    expect(weightHash(busy)).toBe(weightHash(alone));
    busy.dispose();
    alone.dispose();
  });
});

describe('after dispose', () => {
  const calls: [string, (net: Network) => unknown][] = [
    ['predict', (net) => net.predict(X.regressor)],
    ['evaluate', (net) => net.evaluate(X.regressor, Y.regressor)],
    ['fit', (net) => net.fit(X.regressor, Y.regressor)],
    ['getWeights', (net) => net.getWeights()],
    ['setWeights', (net) => net.setWeights([])],
    ['toJSON', (net) => net.toJSON()],
    ['backend', (net) => net.backend],
    ['gradientCheck', (net) => gradientCheck(net, X.regressor, Y.regressor)],
  ];

  it.each(calls)('%s throws a SimdnetError saying the network was disposed', async (_name, call) => {
    const net = await Network.create(NETS.regressor);
    net.dispose();
    expectNamedError(await failure(() => call(net)), /this network has been disposed/);
  });

  it('dispose twice is harmless, and other networks are not affected', async () => {
    const [gone, live] = await Promise.all([Network.create(NETS.regressor), Network.create(NETS.regressor)]);
    const before = weightHash(live);
    gone.dispose();
    expect(() => gone.dispose()).not.toThrow();
    expect(gone.disposed).toBe(true);
    await expectUntouched(live, before, NETS.regressor, X.regressor, Y.regressor);
    live.dispose();
  });
});
