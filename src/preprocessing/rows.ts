// Picking rows out of flat row-major arrays.

/** The typed arrays rows can be taken from. */
export type TypedArray =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** The given rows of an array with `width` elements a row, in that order, as the same kind of array. */
export function takeRows<T extends TypedArray | readonly unknown[]>(values: T, width: number, rows: readonly number[]): T {
  if (ArrayBuffer.isView(values)) {
    const typed = values as TypedArray;
    const out = new (typed.constructor as new (length: number) => TypedArray)(rows.length * width);
    rows.forEach((row, k) => out.set(typed.subarray(row * width, (row + 1) * width), k * width));
    return out as T;
  }
  const array = values as readonly unknown[];
  return (width === 1 ? rows.map((row) => array[row]) : rows.flatMap((row) => array.slice(row * width, (row + 1) * width))) as unknown as T;
}
