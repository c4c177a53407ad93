// The row weights of a fit: sampleWeight times the classWeight of each row's class, written
// beside the staged rows for the kernels to scale each row's loss and delta by.

import { describe, SimdnetError } from '../errors.js';
import { rowClasses } from '../targets.js';

/** What weighs a fit's rows, checked against its rows and classes. */
export interface RowWeighting {
  sampleWeight: ArrayLike<number> | undefined;
  classWeight: Map<number, number> | undefined;
}

/**
 * Checks fit's sampleWeight (one finite float32 ≥ 0 per row of x; `name` names it in errors, a
 * dataset's batch's by the batch) and classWeight (classes the output has); undefined when
 * neither was given, so the kernels weigh nothing.
 */
export function checkRowWeighting(
  sampleWeight: unknown,
  classWeight: Map<number, number> | undefined,
  rows: number,
  classes: number,
  name = 'sampleWeight',
): RowWeighting | undefined {
  if (sampleWeight === undefined && classWeight === undefined) return undefined;
  if (classWeight) {
    for (const c of classWeight.keys()) {
      if (c >= classes) {
        throw new SimdnetError(`classWeight has class ${c}, but the output has ${classes} classes (0 to ${classes - 1})`);
      }
    }
  }
  if (sampleWeight === undefined) return { sampleWeight, classWeight };
  const isArray = Array.isArray(sampleWeight) || sampleWeight instanceof Float32Array || sampleWeight instanceof Float64Array;
  if (!isArray) {
    throw new SimdnetError(`${name} must be a number[], a Float32Array or a Float64Array of one weight per row, got ${describe(sampleWeight)}`);
  }
  const weights = sampleWeight as ArrayLike<unknown>;
  if (weights.length !== rows) {
    throw new SimdnetError(`${name} has ${weights.length} weights but x has ${rows} rows; it needs one per row`);
  }
  for (let r = 0; r < rows; r++) {
    const w = weights[r];
    if (!(typeof w === 'number' && w >= 0 && Math.fround(w) !== Infinity)) {
      throw new SimdnetError(`${name}[${r}] is ${describe(w)}; every weight must be a finite float32 ≥ 0`);
    }
  }
  return { sampleWeight: weights as ArrayLike<number>, classWeight };
}

/** Which sampleWeight entries a run of staged rows has: from `first`, of the rows listed, or in turn. */
export interface WeightRows {
  first: number;
  order: ArrayLike<number> | null;
}

/**
 * Writes each of `rows` rows' weight to out[at…]: its sampleWeight (the entries `pick` says,
 * from 0 by default) times the classWeight of its class, read from its staged targets (width
 * floats a row from targets[from…]): the class index itself for class-index targets, ≥ 0.5 for a
 * single unit, else the arg-max.
 */
export function writeRowWeights(
  out: Float32Array,
  at: number,
  rows: number,
  weighting: RowWeighting,
  targets: Float32Array,
  from: number,
  width: number,
  classIndices: boolean,
  pick: WeightRows = { first: 0, order: null },
): void {
  const { sampleWeight, classWeight } = weighting;
  const { first, order } = pick;
  const classes = classWeight && rowClasses(targets, rows, width, classIndices, from);
  for (let r = 0; r < rows; r++) {
    const w = sampleWeight ? sampleWeight[order ? order[first + r]! : first + r]! : 1;
    out[at + r] = classes ? w * (classWeight!.get(classes[r]!) ?? 1) : w;
  }
}
