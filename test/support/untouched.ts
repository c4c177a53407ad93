// Helpers for the robustness tests: what a failed call must leave as it was.

import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { type FitOptions, type Matrix, Network, type NetworkConfig, SimdnetError, type Targets } from '../../src/index.js';

/** SHA-256 of every weight and bias byte, layer after layer. */
export function weightHash(net: Network): string {
  const hash = createHash('sha256');
  for (const { weights, bias } of net.getWeights()) {
    hash.update(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength));
    if (bias) hash.update(new Uint8Array(bias.buffer, bias.byteOffset, bias.byteLength));
  }
  return hash.digest('hex');
}

/** What fn threw or rejected with; fails the test if it returned normally. */
export async function failure(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure, but the call succeeded');
}

/** Asserts error is a SimdnetError (not a TypeError, RangeError, …) whose message matches. */
export function expectNamedError(error: unknown, message: RegExp): void {
  expect(error).toBeInstanceOf(SimdnetError);
  expect((error as Error).message).toMatch(message);
}

/** A seeded run with shuffling and Adam: it depends on the weights and on the generator's state. */
export const PROBE_FIT: FitOptions = {
  epochs: 2, batchSize: 3, shuffle: true, optimizer: { type: 'adam', learningRate: 0.01 },
};

/**
 * Asserts that net still has the weights whose hash was taken before, and that its generator did
 * not move: the same seeded fit gives it the same weights as a fresh network of its config.
 */
export async function expectUntouched(net: Network, hashBefore: string, config: NetworkConfig, x: Matrix, y: Targets): Promise<void> {
  expect(weightHash(net)).toBe(hashBefore);
  const fresh = await Network.create(config);
  try {
    expect(weightHash(fresh)).toBe(hashBefore);
    await net.fit(x, y, PROBE_FIT);
    await fresh.fit(x, y, PROBE_FIT);
    expect(weightHash(net)).toBe(weightHash(fresh));
    expect(weightHash(net)).not.toBe(hashBefore);
  } finally {
    fresh.dispose();
  }
}
