// Checks for user-supplied options. Each throws a SimdnetError naming the
// option (by its path, such as `layers[1].units`) and what it accepts.

import { describe, oneOf, SimdnetError } from './errors.js';

export type Plain = Record<string, unknown>;

/** Asserts value is a plain object whose own keys are all in allowed. */
export function plainObject(value: unknown, path: string, allowed: readonly string[]): Plain {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new SimdnetError(`${path} must be an object, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new SimdnetError(`${path} has an unknown option '${key}'; the options are ${oneOf(allowed)}`);
    }
  }
  return value as Plain;
}

/** An integer in [min, max]. */
export function integer(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SimdnetError(`${path} must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

/** A finite number in the interval described by its bounds; open bounds are excluded. */
export function finite(
  value: unknown,
  path: string,
  bounds: { min?: number; max?: number; openMin?: boolean; openMax?: boolean } = {},
): number {
  const { min = -Infinity, max = Infinity, openMin = false, openMax = false } = bounds;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (openMin ? value > min : value >= min) &&
    (openMax ? value < max : value <= max);
  if (!ok) {
    const lo = min === -Infinity ? '' : `${openMin ? '>' : '≥'} ${min}`;
    const hi = max === Infinity ? '' : `${openMax ? '<' : '≤'} ${max}`;
    const range = [lo, hi].filter(Boolean).join(' and ');
    throw new SimdnetError(`${path} must be a finite number${range ? ` ${range}` : ''}, got ${describe(value)}`);
  }
  return value as number;
}

export function boolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new SimdnetError(`${path} must be true or false, got ${describe(value)}`);
  return value;
}

/** One of the given names. */
export function choice<T extends string>(value: unknown, path: string, names: readonly T[]): T {
  if (typeof value !== 'string' || !(names as readonly string[]).includes(value)) {
    throw new SimdnetError(`${path} must be ${oneOf(names)}, got ${describe(value)}`);
  }
  return value as T;
}

/** The value, or fallback when it is undefined. */
export function orDefault<T>(value: unknown, fallback: T, check: (v: unknown) => T): T {
  return value === undefined ? fallback : check(value);
}

/** An array or typed array of `length` numbers, each finite in float32, copied to a Float32Array. */
export function float32Values(value: unknown, path: string, length: number): Float32Array {
  const ok = Array.isArray(value) || value instanceof Float32Array || value instanceof Float64Array;
  if (!ok) throw new SimdnetError(`${path} must be an array of ${length} numbers, got ${describe(value)}`);
  const values = value as ArrayLike<unknown>;
  // The length is checked before anything is read or allocated.
  if (values.length !== length) throw new SimdnetError(`${path} has ${values.length} values; the layer sizes call for ${length}`);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) {
      throw new SimdnetError(`${path}[${i}] must be a finite float32 number, got ${describe(v)}`);
    }
    out[i] = v;
  }
  return out;
}
