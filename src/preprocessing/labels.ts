// Class labels to what a classifier trains on and back: indices, one-hot rows,
// and the classes of a network's outputs by arg-max.

import type { Matrix } from '../data.js';
import { describe, SimdnetError } from '../errors.js';
import { formatCount, quoted, someOf } from '../text.js';
import { plainObject } from '../validate.js';
import { parseCsvNumber } from './csv-table.js';
import { type Numeric, readNumeric } from './matrix.js';

/** A class label: text, or a number. */
export type Label = string | number;

/** LabelEncoder's JSON: its classes in order. */
export interface LabelEncoderJSON<T extends Label = string> {
  classes: T[];
}

/** The index of the largest value (the first of equal ones). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k]! > values[best]!) best = k;
  return best;
}

/** The arg-max of each row of a matrix: rows of numbers, or flat row-major with `width` values a row. */
export function argmaxRows(values: Matrix, width?: number): Int32Array {
  return rowArgmax(readNumeric(values, 'values', width, 'the width argument'));
}

function rowArgmax({ values, rows, width }: Numeric): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = r * width;
    for (let k = best + 1; k < (r + 1) * width; k++) if (values[k]! > values[best]!) best = k;
    out[r] = best - r * width;
  }
  return out;
}

/**
 * Class labels in the order of classifier outputs: output k is the probability of classes[k].
 * fit sorts the labels it sees: numerically when all are numbers (or text that reads as
 * decimal numbers, as a CSV column of class numbers does), else as text; or give the classes
 * in your own order to the constructor.
 */
export class LabelEncoder<T extends Label = string> {
  #classes: T[] = [];
  #index = new Map<T, number>();

  constructor(classes?: readonly T[]) {
    if (classes !== undefined) this.#setClasses(readLabels(classes, 'LabelEncoder classes'), 'LabelEncoder classes');
  }

  /** The classes in output order (empty before fit). */
  get classes(): T[] {
    return [...this.#classes];
  }

  /** Learns the classes: the distinct labels, sorted. */
  fit(labels: ArrayLike<T>): this {
    const distinct = [...new Set(readLabels(labels, 'labels'))];
    const numeric = distinct.every((label) => typeof label === 'number' || parseCsvNumber(label) !== undefined);
    distinct.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
    this.#setClasses(distinct, 'labels');
    return this;
  }

  /** Each label's class index; a label that is not a class is an error naming it. */
  transform(labels: ArrayLike<T>): Int32Array {
    const classes = this.#fitted('transform');
    const checked = readLabels(labels, 'labels');
    return Int32Array.from(checked, (label, r) => {
      const k = this.#index.get(label);
      if (k === undefined) {
        throw new SimdnetError(
          `labels[${r}] is ${describeLabel(label)}, which is not one of the ${formatCount(classes.length)} classes: ` +
            someOf(classes.map(describeLabel)),
        );
      }
      return k;
    });
  }

  /** The labels as one-hot rows, flat row-major (rows × classes): a classifier's targets. */
  oneHot(labels: ArrayLike<T>): Float32Array {
    const indices = this.transform(labels);
    const width = this.#classes.length;
    const y = new Float32Array(indices.length * width);
    indices.forEach((k, r) => (y[r * width + k] = 1));
    return y;
  }

  /** fit, then oneHot. */
  fitOneHot(labels: ArrayLike<T>): Float32Array {
    return this.fit(labels).oneHot(labels);
  }

  /** The classes of the given indices. */
  inverseTransform(indices: ArrayLike<number>): T[] {
    const classes = this.#fitted('inverseTransform');
    return Array.from({ length: indices.length }, (_, r) => {
      const k = indices[r];
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= classes.length) {
        throw new SimdnetError(`indices[${r}] is ${describe(k)}; a class index is an integer from 0 to ${classes.length - 1}`);
      }
      return classes[k]!;
    });
  }

  /**
   * The predicted class of each row of a classifier's outputs (probabilities, or any scores):
   * the class of the largest output. Rows of numbers, or flat with one value per class a row.
   */
  decode(outputs: Matrix): T[] {
    const classes = this.#fitted('decode');
    const width = Array.isArray(outputs) && Array.isArray(outputs[0]) ? undefined : classes.length;
    const m = readNumeric(outputs, 'outputs', width, 'the number of classes');
    if (m.width !== classes.length) {
      throw new SimdnetError(`outputs has rows of ${m.width} values, but there are ${classes.length} classes`);
    }
    return Array.from(rowArgmax(m), (k) => classes[k]!);
  }

  toJSON(): LabelEncoderJSON<T> {
    return { classes: this.classes };
  }

  static fromJSON<T extends Label = string>(json: LabelEncoderJSON<T>): LabelEncoder<T> {
    const o = plainObject(json, 'LabelEncoder.fromJSON', ['classes']);
    return new LabelEncoder<T>(o.classes as T[]);
  }

  #setClasses(classes: T[], path: string): void {
    if (classes.length < 2) {
      throw new SimdnetError(`${path} ${classes.length === 0 ? 'are empty' : `have only one class (${describeLabel(classes[0]!)})`}: a classifier needs at least two`);
    }
    const index = new Map<T, number>();
    classes.forEach((label, k) => {
      if (index.has(label)) throw new SimdnetError(`${path}: ${describeLabel(label)} is given twice`);
      index.set(label, k);
    });
    this.#classes = classes;
    this.#index = index;
  }

  #fitted(call: string): T[] {
    if (this.#classes.length === 0) throw new SimdnetError(`LabelEncoder.${call} needs the classes: call fit(labels) first`);
    return this.#classes;
  }
}

/** Labels checked to be text or finite numbers, as an array. */
function readLabels<T extends Label>(labels: ArrayLike<T>, path: string): T[] {
  if (labels === null || typeof labels !== 'object' || typeof (labels as ArrayLike<T>).length !== 'number') {
    throw new SimdnetError(`${path} must be an array of labels (strings or numbers), got ${describe(labels)}`);
  }
  const out = Array.from(labels);
  out.forEach((label, r) => {
    if (typeof label !== 'string' && !(typeof label === 'number' && Number.isFinite(label))) {
      throw new SimdnetError(`${path}[${r}] must be a string or a finite number, got ${describe(label)}`);
    }
  });
  return out;
}

function describeLabel(label: Label): string {
  return typeof label === 'string' ? quoted(label) : String(label);
}
