// The options of `simdnet train`, checked into the settings of the network, of
// its fits and of reading the file, before any file is read. The fit settings
// are the library's own fit options, so a saved model's record of them is what
// Network.fit takes to train it again.

import { ELEMENTWISE_ACTIVATIONS } from '../activations.js';
import { MAX_THREADS, type ThreadsChoice } from '../config.js';
// The class the bundled checks below throw: the CLI's build bundles them, and takes the rest of the library from dist/index.js.
import { SimdnetError } from '../errors.js';
import { OPTIMIZER_KEYS, parseFitOptions } from '../fit-options.js';
import {
  type Activation, type EarlyStoppingOptions, type FitOptions, type LearningRateSchedule, type Monitor, type OptimizerConfig,
  parseCsvNumber,
} from '../index.js';
import { quoted } from '../text.js';
import { MONITORS } from '../training/monitor.js';
import { parseSchedule } from '../training/schedule.js';
import { choiceOption, layersOption, numberOption, TABLE_OPTIONS } from './args.js';
import { TASKS } from './dataset.js';
import { UsageError } from './errors.js';

/** The losses a regression may train with (a classification trains with cross-entropy). */
export const REGRESSION_LOSSES = ['squaredError', 'meanAbsoluteError', 'huber'] as const;
export type RegressionLoss = (typeof REGRESSION_LOSSES)[number];
/** The optimizers by their command-line names: the library's, and nesterov for momentum with Nesterov's look-ahead. */
export const OPTIMIZERS = ['adam', 'adamw', 'sgd', 'momentum', 'nesterov', 'rmsprop', 'adagrad'] as const;
type OptimizerChoice = (typeof OPTIMIZERS)[number];
/** The schedules by their command-line names. */
const SCHEDULES = { step: 'step', exponential: 'exponential', cosine: 'cosine', plateau: 'reduceOnPlateau' } as const;
type ScheduleChoice = keyof typeof SCHEDULES;
const SCHEDULE_NAMES = Object.keys(SCHEDULES) as ScheduleChoice[];
export const DEFAULT_SHUFFLE_BUFFER = 100_000;

export const TRAIN_OPTIONS = {
  target: { type: 'string', short: 't' },
  task: { type: 'string' },
  drop: { type: 'string' },
  layers: { type: 'string', short: 'l' },
  activation: { type: 'string', short: 'a' },
  dropout: { type: 'string' },
  loss: { type: 'string' },
  'huber-delta': { type: 'string' },
  threads: { type: 'string' },
  epochs: { type: 'string', short: 'e' },
  'batch-size': { type: 'string', short: 'b' },
  optimizer: { type: 'string' },
  'learning-rate': { type: 'string' },
  'weight-decay': { type: 'string' },
  schedule: { type: 'string' },
  l2: { type: 'string' },
  l1: { type: 'string' },
  'clip-norm': { type: 'string' },
  'clip-value': { type: 'string' },
  'validation-split': { type: 'string' },
  validation: { type: 'string' },
  'early-stopping': { type: 'boolean' },
  monitor: { type: 'string' },
  patience: { type: 'string' },
  'min-delta': { type: 'string' },
  'restore-best': { type: 'boolean' },
  seed: { type: 'string' },
  'no-shuffle': { type: 'boolean' },
  stream: { type: 'boolean' },
  'no-stream': { type: 'boolean' },
  'shuffle-buffer': { type: 'string' },
  save: { type: 'string', short: 's' },
  ...TABLE_OPTIONS,
  quiet: { type: 'boolean', short: 'q' },
} as const;

type OptionName = keyof typeof TRAIN_OPTIONS;
export type TrainValues = { [K in OptionName]?: (typeof TRAIN_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** What every fit of a training run shares: the optimizer, its schedule, the regularisation and the clipping. */
export type StepOptions = Pick<FitOptions, 'optimizer' | 'learningRateSchedule' | 'l2' | 'l1' | 'clipNorm' | 'clipValue'>;

/** The command line's settings, checked. */
export interface TrainSettings {
  hidden: number[];
  activation: Activation;
  /** Each hidden layer's dropout rate (0: none). */
  dropout: number;
  /** --loss, for a regression; undefined when not given. */
  loss: RegressionLoss | undefined;
  /** --huber-delta, with --loss huber. */
  huberDelta: number | undefined;
  task: (typeof TASKS)[number] | undefined;
  seed: number;
  threads: ThreadsChoice;
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  /** The optimizer's name on the command line, for messages. */
  optimizerName: OptimizerChoice;
  step: StepOptions;
  /** The fraction of rows held out at random for validation (0: none). */
  validationSplit: number;
  /** A CSV file of validation rows. */
  validationFile: string | undefined;
  earlyStopping: EarlyStoppingOptions | undefined;
  /** --stream or --no-stream; undefined when neither was given. */
  stream: boolean | undefined;
  shuffleBuffer: number;
}

export function readSettings(values: TrainValues): TrainSettings {
  const number = (name: OptionName, fallback: number, range: Parameters<typeof numberOption>[3]) =>
    numberOption(values[name] as string | undefined, name, fallback, range, 'train');
  const count = { min: 1, max: 1e9, integer: true };
  if (values.stream && values['no-stream']) throw new UsageError('--stream and --no-stream contradict each other', 'train');
  if (values['clip-norm'] !== undefined && values['clip-value'] !== undefined) {
    throw new UsageError('--clip-norm and --clip-value cannot both be given; choose one', 'train');
  }
  if (values['validation-split'] !== undefined && values.validation !== undefined) {
    throw new UsageError('--validation-split and --validation cannot both be given; choose one', 'train');
  }
  const optimizerName = choiceOption(values.optimizer, 'optimizer', OPTIMIZERS, 'adam', 'train');
  const nonNegative = { min: 0, max: Infinity, float32: true };
  const positive = { ...nonNegative, openMin: true };
  const optional = (name: OptionName, range: Parameters<typeof numberOption>[3]) =>
    (values[name] === undefined ? undefined : number(name, 0, range));
  const step: StepOptions = {
    optimizer: optimizerConfig(optimizerName, optional('learning-rate', positive), optional('weight-decay', nonNegative)),
    l2: number('l2', 0, nonNegative),
    l1: number('l1', 0, nonNegative),
  };
  const clipNorm = optional('clip-norm', positive);
  const clipValue = optional('clip-value', positive);
  if (clipNorm !== undefined) step.clipNorm = clipNorm;
  if (clipValue !== undefined) step.clipValue = clipValue;
  const schedule = readSchedule(values.schedule);
  if (schedule) step.learningRateSchedule = schedule;

  const validationSplit = number('validation-split', 0, { min: 0, max: 0.9 });
  const validated = validationSplit > 0 || values.validation !== undefined;
  const earlyStopping = readEarlyStopping(values, validated);
  if (schedule?.type === 'reduceOnPlateau') needsValidation(`--schedule plateau watches ${schedule.monitor ?? 'valLoss'}`, schedule.monitor, validated);
  const hidden = layersOption(values.layers, [32], 'train');
  const task = values.task === undefined ? undefined : choiceOption(values.task, 'task', TASKS, 'classification', 'train');
  const dropout = number('dropout', 0, { min: 0, max: 1, openMax: true });
  if (dropout > 0 && hidden.length === 0) throw new UsageError('--dropout drops hidden units, and --layers none leaves none', 'train');
  const loss = values.loss === undefined ? undefined : choiceOption(values.loss, 'loss', REGRESSION_LOSSES, 'squaredError', 'train');
  if (loss !== undefined && task === 'classification') {
    throw new UsageError(`--loss ${loss} is for a regression; a classification trains with cross-entropy`, 'train');
  }
  if (values['huber-delta'] !== undefined && loss !== 'huber') throw new UsageError('--huber-delta needs --loss huber', 'train');
  return {
    hidden,
    activation: choiceOption(values.activation, 'activation', ELEMENTWISE_ACTIVATIONS, 'relu', 'train'),
    dropout,
    loss,
    huberDelta: optional('huber-delta', positive),
    task,
    seed: number('seed', 0, { min: 0, max: 0xffffffff, integer: true }),
    threads: readThreads(values.threads),
    epochs: number('epochs', 100, count),
    batchSize: number('batch-size', 32, count),
    shuffle: !values['no-shuffle'],
    optimizerName,
    step,
    validationSplit,
    validationFile: values.validation,
    earlyStopping,
    stream: values.stream ? true : values['no-stream'] ? false : undefined,
    shuffleBuffer: number('shuffle-buffer', DEFAULT_SHUFFLE_BUFFER, count),
  };
}

function readThreads(value: string | undefined): ThreadsChoice {
  if (value === undefined || value === 'auto') return 'auto';
  const n = parseCsvNumber(value);
  if (n === undefined || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new UsageError(`--threads must be auto or a whole number from 1 to ${MAX_THREADS}, got ${quoted(value)}`, 'train');
  }
  return n;
}

function optimizerConfig(name: OptimizerChoice, learningRate: number | undefined, weightDecay: number | undefined): OptimizerConfig {
  if (weightDecay !== undefined && name !== 'adamw') {
    throw new UsageError(`--weight-decay is AdamW's decoupled weight decay: it needs --optimizer adamw, not ${name} (--l2 regularises with any optimizer)`, 'train');
  }
  const config: OptimizerConfig = name === 'nesterov' ? { type: 'momentum', nesterov: true } : { type: name };
  if (learningRate !== undefined) config.learningRate = learningRate;
  if (weightDecay !== undefined && config.type === 'adamw') config.weightDecay = weightDecay;
  return config;
}

/**
 * --schedule name:key=value,…: the schedule's name, then its parameters by their names in the
 * library's learningRateSchedule (`cosine:decaySteps=1000,warmupSteps=100`), checked as fit checks them.
 */
function readSchedule(value: string | undefined): LearningRateSchedule | undefined {
  if (value === undefined) return undefined;
  const colon = value.indexOf(':');
  const name = (colon < 0 ? value : value.slice(0, colon)).trim();
  if (!SCHEDULE_NAMES.includes(name as ScheduleChoice)) {
    throw new UsageError(
      `--schedule must be one of ${SCHEDULE_NAMES.join(', ')}, then its parameters (such as cosine:decaySteps=1000); got ${quoted(value)}`,
      'train',
    );
  }
  const schedule: Record<string, unknown> = { type: SCHEDULES[name as ScheduleChoice] };
  const parameters = colon < 0 ? [] : value.slice(colon + 1).split(',').filter((part) => part.trim() !== '');
  for (const part of parameters) {
    const [key, text] = part.split('=', 2).map((s) => s.trim()) as [string, string | undefined];
    if (text === undefined || key === '') {
      throw new UsageError(`--schedule ${quoted(value)}: ${quoted(part)} is not a parameter=value pair`, 'train');
    }
    if (Object.hasOwn(schedule, key)) throw new UsageError(`--schedule ${quoted(value)} gives ${key} twice`, 'train');
    schedule[key] = key === 'monitor' ? text : key === 'staircase' && /^(true|false)$/.test(text) ? text === 'true' : parseCsvNumber(text) ?? text;
  }
  try {
    parseSchedule(schedule);
  } catch (error) {
    if (error instanceof SimdnetError) throw new UsageError(`--schedule ${quoted(value)}: ${error.message}`, 'train');
    throw error;
  }
  return schedule as unknown as LearningRateSchedule;
}

const EARLY_STOPPING_OPTIONS = ['monitor', 'patience', 'min-delta', 'restore-best'] as const;

function readEarlyStopping(values: TrainValues, validated: boolean): EarlyStoppingOptions | undefined {
  if (!values['early-stopping']) {
    const given = EARLY_STOPPING_OPTIONS.find((name) => values[name] !== undefined);
    if (given) throw new UsageError(`--${given} is an option of --early-stopping, which is not given`, 'train');
    return undefined;
  }
  const monitor = values.monitor === undefined ? undefined : choiceOption<Monitor>(values.monitor, 'monitor', MONITORS, 'valLoss', 'train');
  needsValidation(`--early-stopping watches ${monitor ?? 'valLoss'}`, monitor, validated);
  const options: EarlyStoppingOptions = {};
  if (monitor) options.monitor = monitor;
  if (values.patience !== undefined) options.patience = numberOption(values.patience, 'patience', 0, { min: 0, max: 2 ** 31 - 1, integer: true }, 'train');
  if (values['min-delta'] !== undefined) options.minDelta = numberOption(values['min-delta'], 'min-delta', 0, { min: 0, max: Infinity }, 'train');
  if (values['restore-best']) options.restoreBestWeights = true;
  return options;
}

/** A watched validation value needs validation rows. */
function needsValidation(what: string, monitor: Monitor | undefined, validated: boolean): void {
  if (validated || !(monitor ?? 'valLoss').startsWith('val')) return;
  throw new UsageError(`${what}, which needs validation rows: add --validation-split or --validation, or watch loss with --monitor`, 'train');
}


/** The options of a run's fit, all but its validation rows of their own, callbacks and signal. */
export function fitOptions(settings: TrainSettings): FitOptions {
  const { epochs, batchSize, shuffle, step, validationSplit, seed, earlyStopping } = settings;
  return {
    epochs,
    batchSize,
    shuffle,
    ...step,
    ...(validationSplit > 0 ? { validationSplit: { fraction: validationSplit, shuffle: true, seed } } : {}),
    ...(earlyStopping ? { earlyStopping } : {}),
  };
}

/**
 * How a run trained, as a saved model records it: the fit options with every default filled in,
 * in the form Network.fit takes them (the optimizer's own settings only), and the seed.
 */
export function fitRecord(settings: TrainSettings): Record<string, unknown> {
  const plan = parseFitOptions(fitOptions(settings));
  const optimizer = Object.fromEntries(OPTIMIZER_KEYS[plan.optimizer.type].map((key) => [key, plan.optimizer[key]]));
  return {
    batchSize: plan.batchSize,
    shuffle: plan.shuffle,
    optimizer,
    ...(plan.schedule ? { learningRateSchedule: plan.schedule } : {}),
    l2: plan.l2,
    l1: plan.l1,
    ...(plan.clip.type === 'norm' ? { clipNorm: plan.clip.limit } : plan.clip.type === 'value' ? { clipValue: plan.clip.limit } : {}),
    ...(plan.validationSplit ? { validationSplit: plan.validationSplit } : {}),
    ...(settings.validationFile === undefined ? {} : { validationFile: settings.validationFile }),
    ...(plan.earlyStopping ? { earlyStopping: plan.earlyStopping } : {}),
    seed: settings.seed,
  };
}
