// The saved form of a Model, which `simdnet train --save` writes and
// `simdnet predict` / `evaluate` and Model.load read. It is JSON:
//
//   {
//     "format": "simdnet-model",        // marks the file as this format
//     "version": 1,                     // raised on any change readers must know about
//     "task": "classification",         // or "regression"
//     "features": [                     // the network's inputs, in order: the column each
//       { "name": "sepal_length", "mean": 5.84, "std": 0.825 },   // comes from, and its
//       …                                                           // standardisation
//     ],                                //   input = (value − mean) / std
//     "target": {
//       "name": "species",              // the column that was predicted
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

import { describe, SimdnetError } from '../errors.js';
import type { NetworkJSON } from '../serialization.js';
import { isMissingValue } from '../preprocessing/csv-table.js';
import { quoted } from '../text.js';

export const MODEL_FORMAT = 'simdnet-model';
export const MODEL_VERSION = 1;

export type Task = 'classification' | 'regression';
export const TASKS: readonly Task[] = ['classification', 'regression'];

/** A feature column and its standardisation: input = (value − mean) / std. */
export interface FeatureJSON {
  name: string;
  mean: number;
  std: number;
}

/** The predicted column: its classes (classification), or the scaling of its values (regression). */
export interface TargetJSON {
  name: string;
  classes?: string[];
  mean?: number;
  std?: number;
}

/** A saved model: a network with the standardisation of its inputs and the meaning of its outputs. */
export interface ModelJSON {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  task: Task;
  features: FeatureJSON[];
  target: TargetJSON;
  network: NetworkJSON;
  training?: Record<string, unknown>;
}

/** A model's description without its network's weights: what is checked before the network is built. */
export type ModelDescription = Omit<ModelJSON, 'network'> & { network: unknown };

const FIELDS = ['format', 'version', 'task', 'features', 'target', 'network', 'training'];
const FEATURE_FIELDS = ['name', 'mean', 'std'];
const TARGET_FIELDS: Record<Task, string[]> = { classification: ['name', 'classes'], regression: ['name', 'mean', 'std'] };

/**
 * Checks every field of a saved model but the network's own, which Network.fromJSON checks;
 * messages start with `source` (a file name, say).
 */
export function parseModelJSON(value: unknown, source: string): ModelDescription {
  const fail = (message: string): never => {
    throw new SimdnetError(`${source}: ${message}`);
  };
  const object = (v: unknown, field: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${field} must be an object, got ${describe(v)}`);
    return v as Record<string, unknown>;
  };
  const onlyFields = (o: Record<string, unknown>, field: string, allowed: readonly string[]) => {
    const unknown = Object.keys(o).find((key) => !allowed.includes(key));
    if (unknown !== undefined) fail(`${field ? `${field} has` : 'it has'} an unknown field ${quoted(unknown)}`);
  };
  const float32 = (v: unknown, field: string, positive = false): number => {
    const ok = typeof v === 'number' && Number.isFinite(Math.fround(v)) && (!positive || Math.fround(v) > 0);
    if (!ok) fail(`${field} must be a ${positive ? 'positive' : 'finite'} float32 number, got ${describe(v)}`);
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
    fail(`it lacks "format": "${MODEL_FORMAT}", so it is not a saved model (a network's own JSON, from net.toJSON(), has ` +
      "no features or standardisation: read that with Network.fromJSON; save a model with 'simdnet train --save' or a Model's toJSON)");
  }
  onlyFields(m, '', FIELDS);
  if (m.version !== MODEL_VERSION) fail(`version is ${describe(m.version)}; this simdnet reads version ${MODEL_VERSION}`);
  if (!TASKS.includes(m.task as Task)) fail(`task must be ${TASKS.join(' or ')}, got ${describe(m.task)}`);
  const task = m.task as Task;

  if (!Array.isArray(m.features) || m.features.length === 0) fail(`features must be a non-empty list, got ${describe(m.features)}`);
  const features = (m.features as unknown[]).map((raw, j) => {
    const f = object(raw, `features[${j}]`);
    onlyFields(f, `features[${j}]`, FEATURE_FIELDS);
    if (typeof f.name !== 'string') fail(`features[${j}].name must be a string, got ${describe(f.name)}`);
    return { name: f.name as string, mean: float32(f.mean, `features[${j}].mean`), std: float32(f.std, `features[${j}].std`, true) };
  });
  distinct(features.map((f) => f.name), (j) => `features[${j}].name`);

  const target = object(m.target, 'target');
  for (const key of Object.keys(target)) {
    const other = TASKS.find((t) => t !== task && TARGET_FIELDS[t].includes(key) && !TARGET_FIELDS[task].includes(key));
    if (other) fail(`target.${key}: a ${task} model has no ${key} (only a ${other} model has)`);
  }
  onlyFields(target, 'target', TARGET_FIELDS[task]);
  if (typeof target.name !== 'string') fail(`target.name must be a string, got ${describe(target.name)}`);
  if (task === 'classification') {
    const classes = target.classes;
    if (!Array.isArray(classes) || classes.length < 2) {
      fail(`target.classes must be a list of at least two labels, got ${describe(classes)}`);
    }
    (classes as unknown[]).forEach((label, k) => {
      if (typeof label !== 'string') fail(`target.classes[${k}] must be a string, got ${describe(label)}`);
      if (isMissingValue(label as string)) fail(`target.classes[${k}] is ${quoted(label as string)}, which reads as a missing value`);
    });
    distinct(classes as string[], (k) => `target.classes[${k}]`);
  } else {
    float32(target.mean, 'target.mean');
    float32(target.std, 'target.std', true);
  }
  object(m.network, 'network');
  if (m.training !== undefined) object(m.training, 'training');
  return { ...(m as unknown as ModelDescription), features };
}
