// The validation rows of a fit: a split of the training data (the last rows, as
// Keras's validation_split takes them, or a seeded random choice) or data of
// their own. Staged after the training rows, so the kernels read them as one
// block either way.

import { SimdnetError } from '../errors.js';
import { Rng } from '../random.js';
import { boolean, finite, integer, orDefault, plainObject } from '../validate.js';

/** fit's validationSplit option: a fraction of the rows, or the fraction with how to choose them. */
export type ValidationSplitOption = number | {
  /** The fraction of rows held out, in (0, 1). */
  fraction: number;
  /** Hold out a seeded random choice of rows instead of the last ones (default false). */
  shuffle?: boolean;
  /** The seed of that choice (default: the network's seed). The same seed holds out the same rows on every fit. */
  seed?: number;
};

export interface ValidationSplit {
  fraction: number;
  shuffle: boolean;
  seed: number | undefined;
}

export function parseValidationSplit(value: unknown): ValidationSplit | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) {
    const fraction = finite(value, 'validationSplit', { min: 0, max: 1, openMax: true });
    return fraction === 0 ? undefined : { fraction, shuffle: false, seed: undefined };
  }
  const o = plainObject(value, 'validationSplit', ['fraction', 'shuffle', 'seed']);
  return {
    fraction: finite(o.fraction, 'validationSplit.fraction', { min: 0, max: 1, openMin: true, openMax: true }),
    shuffle: orDefault(o.shuffle, false, (v) => boolean(v, 'validationSplit.shuffle')),
    seed: orDefault(o.seed, undefined, (v) => integer(v, 'validationSplit.seed', 0, 2 ** 32 - 1)),
  };
}

/** How a split divides rows: counts, and for a shuffled split the held-out rows in ascending order. */
export interface SplitRows {
  trainRows: number;
  valRows: number;
  heldOut: Uint32Array | null;
}

/** The rows a split holds out of `rows`; the network's seed seeds a shuffled split that names none. */
export function splitRows(rows: number, split: ValidationSplit, networkSeed: number): SplitRows {
  const trainRows = Math.floor(rows * (1 - split.fraction));
  const valRows = rows - trainRows;
  if (valRows === 0 || trainRows === 0) {
    throw new SimdnetError(
      `validationSplit ${split.fraction} of ${rows} rows leaves ${valRows} validation and ${trainRows} training rows; both need at least one`,
    );
  }
  if (!split.shuffle) return { trainRows, valRows, heldOut: null };
  const order = Uint32Array.from({ length: rows }, (_, r) => r);
  Rng.fromSeed(split.seed ?? networkSeed).shuffle(order);
  return { trainRows, valRows, heldOut: order.subarray(0, valRows).sort() };
}

/**
 * Moves the held-out rows of a rows × width matrix at f32[start …] behind the others, each group
 * keeping its order.
 */
export function moveRowsToEnd(f32: Float32Array, start: number, width: number, rows: number, heldOut: Uint32Array): void {
  const held = new Float32Array(heldOut.length * width);
  heldOut.forEach((r, i) => held.set(f32.subarray(start + r * width, start + (r + 1) * width), i * width));
  let to = 0;
  let next = 0;
  for (let r = 0; r < rows; r++) {
    if (heldOut[next] === r) {
      next++;
      continue;
    }
    if (to !== r) f32.copyWithin(start + to * width, start + r * width, start + (r + 1) * width);
    to++;
  }
  f32.set(held, start + to * width);
}

/** The rows of 0…rows − 1 that are not held out (heldOut ascending), ascending. */
export function keptRows(rows: number, heldOut: Uint32Array): Uint32Array {
  const kept = new Uint32Array(rows - heldOut.length);
  let next = 0;
  let k = 0;
  for (let r = 0; r < rows; r++) {
    if (heldOut[next] === r) next++;
    else kept[k++] = r;
  }
  return kept;
}
