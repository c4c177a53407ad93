// Checks for user-supplied options. Each throws a SimdnetError naming the
// option (by its path, such as `layers[1].units`) and what it accepts.

import { describe, oneOf, SimdnetError } from './errors.js';

export type Plain = Record<string, unknown>;

/**
 * Asserts value is a plain object whose own keys are all in allowed, and returns a copy of
 * its own properties: nothing inherited (from a polluted Object.prototype, say) is ever read.
 */
export function plainObject(value: unknown, path: string, allowed: readonly string[]): Plain {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new SimdnetError(`${path} must be an object, got ${describe(value)}`);
  }
  const own: Plain = Object.create(null);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new SimdnetError(`${path} has an unknown option '${key}'; the options are ${oneOf(allowed)}`);
    }
    own[key] = (value as Plain)[key];
  }
  return own;
}

/** An integer in [min, max]. */
export function integer(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SimdnetError(`${path} must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

/**
 * A finite number in the interval described by its bounds; open bounds are excluded. With
 * float32, the value the kernels will see (rounded to float32) is what must be in the interval:
 * 1e300 overflows to Infinity, 1e-50 underflows to 0 and 0.99999999999 rounds up to 1.
 */
export function finite(
  value: unknown,
  path: string,
  bounds: { min?: number; max?: number; openMin?: boolean; openMax?: boolean; float32?: boolean } = {},
): number {
  const { min = -Infinity, max = Infinity, openMin = false, openMax = false, float32 = false } = bounds;
  const used = float32 && typeof value === 'number' ? Math.fround(value) : value;
  const ok =
    typeof used === 'number' &&
    Number.isFinite(used) &&
    (openMin ? used > min : used >= min) &&
    (openMax ? used < max : used <= max);
  if (!ok) {
    const lo = min === -Infinity ? '' : `${openMin ? '>' : '≥'} ${min}`;
    const hi = max === Infinity ? '' : `${openMax ? '<' : '≤'} ${max}`;
    const range = [lo, hi].filter(Boolean).join(' and ');
    const rounded = Object.is(used, value) ? '' : ` (${describe(used)} in float32)`;
    throw new SimdnetError(`${path} must be a finite number${range ? ` ${range}` : ''}, got ${describe(value)}${rounded}`);
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
  // The length is checked before anything is read.
  if (values.length !== length) throw new SimdnetError(`${path} has ${values.length} values; the layer sizes call for ${length}`);
  for (let i = 0; i < length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) {
      throw new SimdnetError(`${path}[${i}] must be a finite float32 number, got ${describe(v)}`);
    }
  }
  // Allocated only once every value has been read: a sparse array's length costs nothing to claim.
  return Float32Array.from(values as ArrayLike<number>);
}
