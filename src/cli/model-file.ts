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
//       "classes": ["setosa", …]        // classification: the label of each output unit
//       "mean": 2.1, "std": 0.7         // regression: value = output · std + mean
//     },
//     "network": { … },                 // Network.toJSON(): layers, activations, weights
//     "training": { … }                 // how it was trained (informational only)
//   }

import { Network, type NetworkJSON } from '../index.js';
import { readTable, type Table } from './csv.js';
import { featureColumns, numericColumns, type Task, TASKS } from './dataset.js';
import { CliError } from './errors.js';
import { readText, writeText } from './files.js';
import { type Scaling, standardise, unstandardise } from './standardise.js';

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
  model: ModelFile;
  network: Network;
  scaling: Scaling[];
}

/** Writes a model file as JSON text. */
export function saveModel(file: string, model: ModelFile): void {
  writeText(file, `${JSON.stringify(model)}\n`);
}

/** Reads and checks a model file, and rebuilds its network. */
export async function loadModel(file: string): Promise<LoadedModel> {
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
    throw new CliError(`${file}: its network is not valid: ${(error as Error).message}`);
  }
  const outputs = model.task === 'classification' ? model.target.classes!.length : 1;
  if (network.inputs !== model.features.length || network.outputs !== outputs) {
    network.dispose();
    throw new CliError(
      `${file}: the network takes ${network.inputs} inputs and gives ${network.outputs} outputs, ` +
        `but the file lists ${model.features.length} features and ${outputs} outputs`,
    );
  }
  return { model, network, scaling: model.features.map(({ mean, std }) => ({ mean, std })) };
}

/**
 * Loads a model file and predicts every row of a CSV file with it (the network is disposed
 * before this returns). Outputs are row-major: class probabilities for classification,
 * values in the target's own units for regression.
 */
export async function predictCsv(
  modelFile: string,
  csvFile: string,
  tableOptions: { header?: boolean; delimiter?: string },
): Promise<{ model: ModelFile; table: Table; outputs: Float32Array }> {
  const loaded = await loadModel(modelFile);
  try {
    const table = readTable(csvFile, tableOptions);
    return { model: loaded.model, table, outputs: predictTable(loaded, table) };
  } finally {
    loaded.network.dispose();
  }
}

function predictTable({ model, network, scaling }: LoadedModel, table: Table): Float32Array {
  const columns = featureColumns(table, model.features.map((f) => f.name));
  const x = standardise(numericColumns(table, columns, 'the model takes numbers in its feature columns'), scaling);
  const outputs = network.predict(x);
  return model.task === 'regression' ? unstandardise(outputs, [model.target as Scaling]) : outputs;
}

function checkModel(value: unknown, file: string): ModelFile {
  const bad = (what: string): never => {
    throw new CliError(`${file} is not a valid simdnet model file: ${what}`);
  };
  const m = value as Partial<ModelFile> | null;
  if (typeof m !== 'object' || m === null || m.format !== MODEL_FORMAT) {
    bad(`it lacks "format": "${MODEL_FORMAT}" (a file from net.toJSON() alone has no standardisation; save with 'simdnet train --save')`);
  }
  if (m!.version !== MODEL_VERSION) bad(`its version is ${JSON.stringify(m!.version)}; this simdnet reads version ${MODEL_VERSION}`);
  if (!TASKS.includes(m!.task as Task)) bad(`"task" must be ${TASKS.join(' or ')}`);
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  const features = m!.features;
  if (!Array.isArray(features) || features.length === 0) bad('"features" must be a non-empty list');
  features!.forEach((f, j) => {
    if (typeof f?.name !== 'string' || !finite(f.mean) || !finite(f.std) || !(f.std > 0)) {
      bad(`features[${j}] must have a name, a finite mean and a positive std`);
    }
  });
  const target = m!.target;
  if (typeof target?.name !== 'string') bad('"target" must have a name');
  if (m!.task === 'classification') {
    const classes = target!.classes;
    if (!Array.isArray(classes) || classes.length < 2 || !classes.every((c) => typeof c === 'string')) {
      bad('a classification model needs "target.classes", a list of at least two labels');
    }
  } else if (!finite(target!.mean) || !finite(target!.std) || !(target!.std! > 0)) {
    bad('a regression model needs "target.mean" and a positive "target.std"');
  }
  if (typeof m!.network !== 'object' || m!.network === null) bad('"network" is missing');
  return m as ModelFile;
}
