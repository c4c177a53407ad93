// What `simdnet export` and `simdnet import` share: a model file's standardisation folded into
// its network, and the description of the columns that travels in the exported file's metadata.
//
// Standardisation is an affine map, so it folds into the first layer exactly (in real
// arithmetic; the folded float32 weights round once):
//   z_j = Σ_i ((x_i − mean_i) / std_i) · W_ij + b_j = Σ_i x_i · (W_ij / std_i) + (b_j − Σ_i mean_i · W_ij / std_i)
// and a regression target's into a linear output layer: y = z · std + mean.

import type { Mlp, MlpLayer } from '../formats/mlp.js';
import type { StandardScalerJSON, Task } from '../index.js';

/** The key under which the columns are stored: ONNX metadata_props, TF.js userDefinedMetadata. */
export const METADATA_KEY = 'simdnet';

/** The columns a network was trained on: what an imported file needs to become a model file again. */
export interface Columns {
  task: Task;
  features: string[];
  target: string;
  /** Classification: the label of each output unit. */
  classes?: string[];
}

/** The network with the feature standardisation folded into its first layer. */
export function foldFeatureScaling(mlp: Mlp, { mean, std }: StandardScalerJSON): Mlp {
  const [first, ...rest] = mlp.layers as [MlpLayer, ...MlpLayer[]];
  const { units } = first;
  const weights = new Float32Array(first.weights.length);
  const shift = new Float64Array(units);
  mean.forEach((m, i) => {
    for (let j = 0; j < units; j++) {
      const w = first.weights[i * units + j]! / std[i]!;
      weights[i * units + j] = w;
      shift[j]! += m * w;
    }
  });
  const bias = Float32Array.from(shift, (s, j) => (first.bias?.[j] ?? 0) - s);
  return { inputs: mlp.inputs, layers: [{ ...first, weights, bias }, ...rest] };
}

/** The network with a regression target's standardisation folded into its linear output layer. */
export function foldTargetScaling(mlp: Mlp, { mean: [mean], std: [std] }: StandardScalerJSON): Mlp {
  const last = mlp.layers.at(-1)!;
  const weights = Float32Array.from(last.weights, (w) => w * std!);
  const bias = Float32Array.from({ length: last.units }, (_, j) => (last.bias?.[j] ?? 0) * std! + mean!);
  return { inputs: mlp.inputs, layers: [...mlp.layers.slice(0, -1), { ...last, weights, bias }] };
}

/** The columns as read back from a file's metadata, if they are there and fit the network. */
export function readColumns(text: unknown, inputs: number, outputs: number): Columns | undefined {
  if (typeof text !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const c = value as Partial<Columns> | null;
  const strings = (list: unknown): list is string[] => Array.isArray(list) && list.every((s) => typeof s === 'string');
  if (typeof c !== 'object' || c === null || typeof c.target !== 'string' || !strings(c.features) || c.features.length !== inputs) return undefined;
  if (c.task === 'classification' && strings(c.classes) && c.classes.length === outputs) {
    return { task: 'classification', features: c.features, target: c.target, classes: c.classes };
  }
  return c.task === 'regression' && outputs === 1 ? { task: 'regression', features: c.features, target: c.target } : undefined;
}
