// The model file that `simdnet train --save` writes and `predict` / `evaluate` read.
//
// It is JSON:
//
//   {
//     "format": "simdnet-model",        // marks the file as this format
//     "version": 1,                     // raised on any change readers must know about
//     "task": "classification",         // or "regression"
//     "features": [                     // the network's inputs, in order: the CSV column each
//       { "name": "sepal_length", "mean": 5.84, "std": 0.825 },   // comes from, and its
//       …                                                           // standardisation
//     ],                                //   input = (value − mean) / std
//     "target": {
//       "name": "species",              // the CSV column that was predicted
//       "classes": ["setosa", …]        // classification only: the label of each output unit
//       "mean": 2.1, "std": 0.7         // regression only: value = output · std + mean
//     },
//     "network": { … },                 // Network.toJSON(): layers, activations, weights; a
//                                       // classifier's output layer is softmax
//     "training": { … }                 // how it was trained (informational only)
//   }
//
// Every field is checked when the file is read, the file as a whole too (the network's inputs
// and outputs match the features and the target), so that a file that reads is a model that
// predicts; means and standard deviations are float32 numbers, as the network computes in float32.

import { Network, type NetworkJSON, NonFiniteOutputError, SimdnetError } from '../index.js';
import type { TableOptions } from './args.js';
import type { TextStream } from './command.js';
import { isMissing, readTable, type Table } from './csv.js';
import { columnIndex, completeRows, featureColumns, numericColumns, type Task, TASKS } from './dataset.js';
import { CliError } from './errors.js';
import { readText, writeText } from './files.js';
import { type Scaling, standardise, unstandardise } from './standardise.js';
import { describeValue, quoted } from './text.js';

export const MODEL_FORMAT = 'simdnet-model';
export const MODEL_VERSION = 1;

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  task: Task;
  features: ({ name: string } & Scaling)[];
  target: { name: string; classes?: string[]; mean?: number; std?: number };
  network: NetworkJSON;
  training?: Record<string, unknown>;
}

/** A model file read back: its description, and the network rebuilt from it. */
export interface LoadedModel {
  file: string;
  model: ModelFile;
  network: Network;
}

/** Writes a model file as JSON text. */
export function saveModel(file: string, model: ModelFile, stdout: TextStream): void {
  writeText(file, `${JSON.stringify(model)}\n`, stdout);
}

/** Loads a model file, hands it to `use`, and frees its network afterwards. */
export async function withModel<T>(file: string, use: (loaded: LoadedModel) => T): Promise<T> {
  const loaded = await loadModel(file);
  try {
    return use(loaded);
  } finally {
    loaded.network.dispose();
  }
}

async function loadModel(file: string): Promise<LoadedModel> {
  const text = readText(file);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not JSON, so not a model that 'simdnet train --save' wrote`);
  }
  const model = checkModel(value, file);
  let network: Network;
  try {
    network = await Network.fromJSON(model.network);
  } catch (error) {
    if (error instanceof SimdnetError) throw new CliError(`${file}: ${inModelFile(error.message)}`);
    throw error;
  }
  try {
    checkNetwork(model, network, file);
  } catch (error) {
    network.dispose();
    throw error;
  }
  return { file, model, network };
}

/**
 * Checks a model about to be written as a file as loadModel checks a file it reads, so that a
 * model file simdnet writes is one it reads; the messages start with `origin`.
 */
export function checkNewModel(model: ModelFile, network: Network, origin: string): void {
  checkNetwork(checkModel(model, origin), network, origin);
}

// The library names a field of a network from the network's top ('fromJSON: layers[0].units',
// 'config.loss'); in a model file the network is the field "network".
function inModelFile(message: string): string {
  const [prefix] = /^(?:fromJSON: (?:the network\b)?|config\.)/.exec(message) ?? [''];
  if (!prefix) return `network: ${message}`;
  return `network${prefix.endsWith('network') ? '' : '.'}${message.slice(prefix.length)}`;
}

/** The features and target agree with the network's inputs and outputs. */
function checkNetwork(model: ModelFile, network: Network, file: string): void {
  const outputs = model.target.classes?.length ?? 1;
  if (network.inputs !== model.features.length || network.outputs !== outputs) {
    throw new CliError(
      `${file}: the network takes ${network.inputs} inputs and gives ${network.outputs} outputs, ` +
        `but the file lists ${model.features.length} features and ${outputs} outputs`,
    );
  }
  const last = model.network.layers.length - 1;
  const activation = model.network.layers[last]!.activation;
  if (model.task === 'classification' && activation !== 'softmax') {
    throw new CliError(
      `${file}: network.layers[${last}].activation must be 'softmax' in a classification model ` +
        `(its outputs are the classes' probabilities), got ${quoted(activation)}`,
    );
  }
}

const FIELDS = ['format', 'version', 'task', 'features', 'target', 'network', 'training'];
const FEATURE_FIELDS = ['name', 'mean', 'std'];
const TARGET_FIELDS: Record<Task, string[]> = { classification: ['name', 'classes'], regression: ['name', 'mean', 'std'] };

/** Checks every field of a model file but the network's own, which Network.fromJSON checks. */
function checkModel(value: unknown, file: string): ModelFile {
  const fail = (message: string): never => {
    throw new CliError(`${file}: ${message}`);
  };
  const object = (v: unknown, field: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${field} must be an object, got ${describeValue(v)}`);
    return v as Record<string, unknown>;
  };
  const onlyFields = (o: Record<string, unknown>, field: string, allowed: readonly string[]) => {
    const unknown = Object.keys(o).find((key) => !allowed.includes(key));
    if (unknown !== undefined) fail(`${field ? `${field} has` : 'it has'} an unknown field ${quoted(unknown)}`);
  };
  const float32 = (v: unknown, field: string, positive = false): number => {
    const ok = typeof v === 'number' && Number.isFinite(Math.fround(v)) && (!positive || Math.fround(v) > 0);
    if (!ok) fail(`${field} must be a ${positive ? 'positive' : 'finite'} float32 number, got ${describeValue(v)}`);
    return v as number;
  };
  const distinct = (names: readonly string[], field: (k: number) => string) => {
    const first = new Map<string, number>();
    names.forEach((name, k) => {
      const seen = first.get(name);
      if (seen !== undefined) fail(`${field(k)}: ${quoted(name)} is ${field(seen)} too`);
      first.set(name, k);
    });
  };

  const m = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  if (m.format !== MODEL_FORMAT) {
    fail(`it lacks "format": "${MODEL_FORMAT}", so it is not a model file (a file from net.toJSON() alone has no ` +
      "standardisation; save with 'simdnet train --save')");
  }
  onlyFields(m, '', FIELDS);
  if (m.version !== MODEL_VERSION) fail(`version is ${describeValue(m.version)}; this simdnet reads version ${MODEL_VERSION}`);
  if (!TASKS.includes(m.task as Task)) fail(`task must be ${TASKS.join(' or ')}, got ${describeValue(m.task)}`);
  const task = m.task as Task;

  if (!Array.isArray(m.features) || m.features.length === 0) fail(`features must be a non-empty list, got ${describeValue(m.features)}`);
  const features = (m.features as unknown[]).map((raw, j) => {
    const f = object(raw, `features[${j}]`);
    onlyFields(f, `features[${j}]`, FEATURE_FIELDS);
    if (typeof f.name !== 'string') fail(`features[${j}].name must be a string, got ${describeValue(f.name)}`);
    return { name: f.name as string, mean: float32(f.mean, `features[${j}].mean`), std: float32(f.std, `features[${j}].std`, true) };
  });
  distinct(features.map((f) => f.name), (j) => `features[${j}].name`);

  const target = object(m.target, 'target');
  for (const key of Object.keys(target)) {
    const other = TASKS.find((t) => t !== task && TARGET_FIELDS[t].includes(key) && !TARGET_FIELDS[task].includes(key));
    if (other) fail(`target.${key}: a ${task} model has no ${key} (only a ${other} model has)`);
  }
  onlyFields(target, 'target', TARGET_FIELDS[task]);
  if (typeof target.name !== 'string') fail(`target.name must be a string, got ${describeValue(target.name)}`);
  if (task === 'classification') {
    const classes = target.classes;
    if (!Array.isArray(classes) || classes.length < 2) {
      fail(`target.classes must be a list of at least two labels, got ${describeValue(classes)}`);
    }
    (classes as unknown[]).forEach((label, k) => {
      if (typeof label !== 'string') fail(`target.classes[${k}] must be a string, got ${describeValue(label)}`);
      if (isMissing(label as string)) fail(`target.classes[${k}] is ${quoted(label as string)}, which reads as a missing value`);
    });
    distinct(classes as string[], (k) => `target.classes[${k}]`);
  } else {
    float32(target.mean, 'target.mean');
    float32(target.std, 'target.std', true);
  }
  object(m.network, 'network');
  if (m.training !== undefined) object(m.training, 'training');
  return { ...(m as unknown as ModelFile), features };
}

/** The rows of a CSV file to predict, and their features standardised for the network. */
export interface Inputs {
  table: Table;
  x: Float32Array;
  /** The column of the model's target, when it was asked for. */
  targetColumn?: number;
  /** What --drop-missing left out, to print once the predictions are made. */
  note?: string;
}

/**
 * Reads the rows of a CSV file that a model predicts: its feature columns (and its target
 * column, withTarget), rows with a missing value in them dropped or refused as the options say,
 * the features standardised as in training. A value that standardises beyond float32 is an
 * error naming its line and column.
 */
export function readInputs({ model }: LoadedModel, csvFile: string, options: TableOptions & { withTarget: boolean }): Inputs {
  const read = readTable(csvFile, options);
  const columns = featureColumns(read, model.features.map((f) => f.name));
  const targetColumn = options.withTarget ? columnIndex(read, model.target.name, 'the model\'s target') : undefined;
  const used = targetColumn === undefined ? columns : [...columns, targetColumn];
  const { table, note } = completeRows(read, used, options.dropMissing);
  const x = standardise(numericColumns(table, columns, 'the model takes numbers in its feature columns'), model.features);
  const overflow = x.findIndex((v) => !Number.isFinite(v));
  if (overflow >= 0) {
    const width = columns.length;
    const [r, j] = [Math.floor(overflow / width), overflow % width];
    const { mean, std } = model.features[j]!;
    throw new CliError(
      `${table.file}: line ${table.lines[r]}, column ${quoted(table.names[columns[j]!]!)}: ` +
        `${table.rows[r]![columns[j]!]!.trim()} standardises to a value beyond float32 (the model's mean ${mean}, std ${std})`,
    );
  }
  return { table, x, ...(targetColumn === undefined ? {} : { targetColumn }), ...(note === undefined ? {} : { note }) };
}

/** Outputs computed per call to the network at most (a chunk of rows), so that memory stays bounded however many classes. */
const CHUNK_OUTPUTS = 1 << 20;

/**
 * Predicts every input row, a chunk of rows at a time, and calls visit with each row's outputs:
 * the classes' probabilities, or the value in the target's units. An output that is not a
 * finite float32 number is an error naming the row's line.
 */
export function forEachPrediction(
  { model, network }: LoadedModel,
  { table, x }: Inputs,
  visit: (outputs: Float32Array, row: number) => void,
): void {
  const width = model.features.length;
  const k = network.outputs;
  const rows = x.length / width;
  const chunk = Math.max(1, Math.floor(CHUNK_OUTPUTS / k));
  for (let start = 0; start < rows; start += chunk) {
    const end = Math.min(rows, start + chunk);
    const overflow = (r: number): CliError => new CliError(
      `${table.file}: line ${table.lines[r]}: the model's output is not a finite number ` +
        '(its weights or scaling overflow float32 on this row)',
    );
    let outputs: Float32Array;
    try {
      outputs = network.predict(x.subarray(start * width, end * width));
    } catch (error) {
      if (error instanceof NonFiniteOutputError && error.row !== null) throw overflow(start + error.row);
      throw error;
    }
    if (model.task === 'regression') unstandardise(outputs, [model.target as Scaling]);
    for (let r = start; r < end; r++) {
      const p = outputs.subarray((r - start) * k, (r - start + 1) * k);
      if (!p.every(Number.isFinite)) throw overflow(r);
      visit(p, r);
    }
  }
}

/** The index of the largest output: the predicted class. */
export function bestClass(probabilities: Float32Array): number {
  let best = 0;
  for (let k = 1; k < probabilities.length; k++) if (probabilities[k]! > probabilities[best]!) best = k;
  return best;
}
