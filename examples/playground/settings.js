// The playground's settings: every control's text as typed, the same text in the page's URL,
// and the check that turns the texts into a configuration or says what is wrong with each.

// The library's entry without embedded wasm: the page needs only its list of activations.
import { ACTIVATIONS } from '../../dist/slim.js';
import { DATASETS, trainingPointCount } from './datasets.js';

export { ACTIVATIONS };
export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad'];
export const SPEEDS = { step: '1 step a frame', epoch: '1 epoch a frame', epochs10: '10 epochs a frame', full: 'full speed' };

/** The settings chosen from a list, with the list. */
export const CHOICES = {
  dataset: DATASETS,
  optimizer: OPTIMIZERS,
  speed: Object.keys(SPEEDS),
  stopAtConvergence: ['yes', 'no'],
};

/** What the playground draws: at most this many hidden layers, and units a layer. */
export const MAX_LAYERS = 6;
export const MAX_UNITS = 8;

// The library keeps learning rates and L2 strengths as float32.
const FLOAT32_MAX = 3.4028234663852886e38;

// Learning rates above these usually stall or diverge on the playground's datasets.
const HIGH_LEARNING_RATE = { sgd: 1, momentum: 0.1, adam: 0.1, adamw: 0.1, rmsprop: 0.1, adagrad: 1 };

/** Each setting's default text; the URL's keys are these names. */
export const DEFAULTS = {
  dataset: 'spiral',
  noise: '0',
  trainPercent: '50',
  seed: '1',
  layers: '8 tanh, 8 tanh',
  optimizer: 'adam',
  learningRate: '0.01',
  l2: '0',
  batchSize: '10',
  speed: 'epoch',
  maxEpochs: '',
  stopAtConvergence: 'yes',
};
export const NAMES = Object.keys(DEFAULTS);

/** The settings in a URL's hash (missing ones at their defaults), and the keys it has that no setting has. */
export function readHash(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const fields = { ...DEFAULTS };
  const unknown = [];
  for (const [key, value] of params) {
    if (key in DEFAULTS) fields[key] = value;
    else unknown.push(key);
  }
  return { fields, unknown };
}

/** The hash that readHash turns back into the same settings. */
export function writeHash(fields) {
  return `#${new URLSearchParams(NAMES.map((name) => [name, fields[name]]))}`;
}

/** Hidden layers as '8 tanh, 4 leakyRelu(0.2)': [{ units, activation, alpha? }], or { error }. */
export function parseLayers(text) {
  if (text.trim() === '') return { layers: [] };
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length > MAX_LAYERS) return { error: `${parts.length} hidden layers; the playground draws at most ${MAX_LAYERS}` };
  const layers = [];
  for (const [i, part] of parts.entries()) {
    const where = `layer ${i + 1}`;
    const match = /^(\S+)\s+([A-Za-z]+)(?:\((.*)\))?$/.exec(part);
    if (!match) return { error: `${where}: "${part}" is not "<units> <activation>", e.g. "8 tanh"` };
    const [, unitsText, activation, alphaText] = match;
    const units = Number(unitsText);
    if (!Number.isInteger(units) || units < 1 || units > MAX_UNITS) {
      return { error: `${where}: "${unitsText}" units; give a whole number from 1 to ${MAX_UNITS} (the playground draws every unit)` };
    }
    if (!ACTIVATIONS.includes(activation)) return { error: `${where}: unknown activation "${activation}"; use one of ${ACTIVATIONS.join(', ')}` };
    if (activation === 'softmax' && units < 2) return { error: `${where}: a softmax layer needs at least 2 units (one unit always outputs 1)` };
    if (alphaText !== undefined) {
      const alpha = Number(alphaText);
      if (activation !== 'leakyRelu') return { error: `${where}: only leakyRelu takes a slope in brackets` };
      if (alphaText.trim() === '' || !Number.isFinite(alpha) || alpha < 0) return { error: `${where}: leakyRelu's slope "${alphaText}" must be a number ≥ 0` };
      layers.push({ units, activation, alpha });
    } else {
      layers.push({ units, activation });
    }
  }
  return { layers };
}

/** The text parseLayers reads as these layers. */
export function formatLayers(layers) {
  return layers.map(({ units, activation, alpha }) => `${units} ${activation}${alpha === undefined ? '' : `(${alpha})`}`).join(', ');
}

// A number typed into a field, within [min, max]; { value } or { error }.
function number(text, { min, max = Infinity, integer = false, above = false }) {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) return { error: `"${text}" is not a number` };
  if (integer && !Number.isInteger(value)) return { error: `${text} is not a whole number` };
  if (above ? value <= min : value < min) return { error: `must be ${above ? 'above' : 'at least'} ${min}` };
  if (value > max) return { error: `must be at most ${max}` };
  return { value };
}

function oneOf(text, name) {
  return CHOICES[name].includes(text) ? { value: text } : { error: `"${text}" is not one of ${CHOICES[name].join(', ')}` };
}

/**
 * Checks every field. Returns { settings, problems }: settings is null while any field has an
 * error; problems[name] is { error } or { warning } for the fields that have one.
 */
export function checkSettings(fields) {
  const checked = {
    dataset: oneOf(fields.dataset, 'dataset'),
    noise: number(fields.noise, { min: 0, max: 0.5 }),
    trainPercent: number(fields.trainPercent, { min: 10, max: 90 }),
    seed: number(fields.seed, { min: 0, max: 0xffffffff, integer: true }),
    layers: parseLayers(fields.layers),
    optimizer: oneOf(fields.optimizer, 'optimizer'),
    learningRate: number(fields.learningRate, { min: 0, max: FLOAT32_MAX, above: true }),
    l2: number(fields.l2, { min: 0, max: FLOAT32_MAX }),
    batchSize: number(fields.batchSize, { min: 1, integer: true }),
    speed: oneOf(fields.speed, 'speed'),
    maxEpochs: fields.maxEpochs.trim() === '' ? { value: null } : number(fields.maxEpochs, { min: 1, integer: true }),
    stopAtConvergence: oneOf(fields.stopAtConvergence, 'stopAtConvergence'),
  };
  const value = (name) => checked[name].value;
  const problems = {};
  // Warnings are for values the library accepts; they show beside errors in other fields.
  const warn = (name, needs, warning) => {
    const text = needs.every((n) => !checked[n].error) && warning();
    if (text) problems[name] = { warning: text };
  };
  warn('learningRate', ['learningRate', 'optimizer'], () => {
    const [rate, optimizer] = [value('learningRate'), value('optimizer')];
    return rate > HIGH_LEARNING_RATE[optimizer] &&
      `${rate} is high for ${optimizer} (above ${HIGH_LEARNING_RATE[optimizer]}): expect the loss to jump, stall or diverge`;
  });
  warn('l2', ['l2'], () => value('l2') > 1 && `L2 ${value('l2')} pulls every weight hard towards 0: expect the network to underfit`);
  warn('batchSize', ['batchSize', 'trainPercent'], () => {
    const trainRows = trainingPointCount(value('trainPercent'));
    return value('batchSize') > trainRows && `more than the ${trainRows} training points: every step uses all of them`;
  });
  for (const [name, result] of Object.entries(checked)) if (result.error) problems[name] = { error: result.error };
  if (Object.values(problems).some((p) => p.error)) return { settings: null, problems };

  const settings = {
    data: { dataset: value('dataset'), noise: value('noise'), trainPercent: value('trainPercent'), seed: value('seed') },
    layers: checked.layers.layers,
    training: { optimizer: value('optimizer'), learningRate: value('learningRate'), l2: value('l2'), batchSize: value('batchSize') },
    pace: { speed: value('speed'), maxEpochs: value('maxEpochs'), stopAtConvergence: value('stopAtConvergence') === 'yes' },
  };
  return { settings, problems };
}
