// Dropout: the mask kernel (assembly/dropout.ts) on its own, then networks with dropout layers:
// the option checked, off in predict and evaluate, the same bits on every build, thread count
// and cut of a fit into calls, saved and loaded with the network.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FitOptions, Network, type NetworkConfig } from '../src/index.js';
import { Rng } from '../src/random.js';
import { BUILDS, kernelHeap, type KernelHeap } from './support/kernels.js';
import { expectSameBits, randomF32, seeded } from './support/numeric.js';
import { failure } from './support/untouched.js';

describe.each(BUILDS)('the dropout kernel (%s build)', (backend) => {
  let heap: KernelHeap;
  beforeAll(async () => {
    heap = await kernelHeap(backend);
  });

  it.each([0.2, 0.5, 0.9])('drops a fraction %f of the elements and scales the rest by fround(1/(1 − p))', (rate) => {
    heap.reset();
    const count = 40_003;
    const p = Math.fround(rate);
    const a = randomF32(seeded(5), count, 0.5, 2);
    const src = heap.f32(a);
    const dst = heap.zeros(count);
    heap.k.dropout(src, dst, count, p, 0x9e3779b9);
    const out = heap.read(dst, count);
    const scale = Math.fround(1 / Math.fround(1 - p));
    let dropped = 0;
    out.forEach((v, i) => {
      if (v === 0) dropped++;
      else expect(v, `element ${i}`).toBe(Math.fround(a[i]! * scale));
    });
    // Within 5 standard deviations of the binomial count.
    expect(Math.abs(dropped - p * count)).toBeLessThan(5 * Math.sqrt(count * p * (1 - p)));
    // The gradient through the same key drops the same elements, in place.
    const grad = heap.f32(a);
    heap.k.dropout(grad, grad, count, p, 0x9e3779b9);
    expectSameBits(heap.read(grad, count), out, 'in place, same key');
    // Another key draws another mask.
    heap.k.dropout(src, dst, count, p, 0x9e3779ba);
    const other = heap.read(dst, count);
    expect(other.some((v, i) => (v === 0) !== (out[i] === 0))).toBe(true);
  });

  it('keeps everything, unscaled, at rate 0; drops to +0 whatever the value', () => {
    heap.reset();
    const a = [1.5, -2, NaN, Infinity, -0, 3e38, 7];
    const dst = heap.zeros(a.length);
    heap.k.dropout(heap.f32(a), dst, a.length, 0, 12345);
    expectSameBits(heap.read(dst, a.length), a, 'rate 0');
    heap.k.dropout(heap.f32(a), dst, a.length, Math.fround(0.999999), 12345);
    expectSameBits(heap.read(dst, a.length), new Float32Array(a.length), 'rate near 1');
  });
});

const rng = Rng.fromSeed(23);
const ROWS = 203;
const INPUTS = 131;
const X = Float32Array.from({ length: ROWS * INPUTS }, () => rng.uniform() * 2 - 1);
const Y = new Float32Array(ROWS * 5);
for (let r = 0; r < ROWS; r++) Y[r * 5 + (r % 5)] = 1;

const config = (dropout: number | undefined, extra: Partial<NetworkConfig> = {}): NetworkConfig => ({
  inputs: INPUTS,
  layers: [
    { units: 96, activation: 'relu', ...(dropout === undefined ? {} : { dropout }) },
    { units: 33, activation: 'gelu', ...(dropout === undefined ? {} : { dropout }) },
    { units: 5, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
  seed: 3,
  ...extra,
});
const FIT: FitOptions = { epochs: 2, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 } };

const live: Network[] = [];
afterAll(() => live.forEach((net) => net.dispose()));
async function network(c: NetworkConfig): Promise<Network> {
  const net = await Network.create(c);
  live.push(net);
  return net;
}

const weightBits = (net: Network): string[] =>
  net.getWeights().flatMap(({ weights, bias }) => [Buffer.from(weights.buffer).toString('base64'), Buffer.from(bias!.buffer).toString('base64')]);

describe('networks with dropout', () => {
  it.each([
    ['a negative rate', -0.1, /layers\[0\]\.dropout must be a finite number ≥ 0 and < 1, got -0\.1/],
    ['a rate of 1', 1, /layers\[0\]\.dropout must be a finite number ≥ 0 and < 1, got 1/],
    ['a rate that rounds to 1 in float32', 0.99999999, /got 0\.99999999 \(1 in float32\)/],
    ['NaN', Number.NaN, /layers\[0\]\.dropout must be a finite number .*got NaN/],
    ['a string', '0.2', /layers\[0\]\.dropout must be a finite number .*got "0\.2"/],
  ])('refuses %s', async (_, dropout, message) => {
    const error = await failure(() => Network.create({ ...config(undefined), layers: [{ units: 4, activation: 'relu', dropout: dropout as number }, { units: 5, activation: 'softmax' }] }));
    expect(error.name).toBe('SimdnetError');
    expect(error.message).toMatch(message);
  });

  it('refuses dropout on the output layer', async () => {
    const error = await failure(() => Network.create({ ...config(undefined), layers: [{ units: 5, activation: 'softmax', dropout: 0.2 }] }));
    expect(error.message).toMatch(/layers\[0\]\.dropout applies only to hidden layers, not the output layer/);
  });

  it('trains with rate 0 exactly as without dropout, and with a rate differently', async () => {
    const [none, zero, some] = await Promise.all([network(config(undefined)), network(config(0)), network(config(0.3))]);
    for (const net of [none, zero, some]) await net.fit(X, Y, FIT);
    expect(weightBits(zero)).toEqual(weightBits(none));
    expect(weightBits(some)).not.toEqual(weightBits(none));
  });

  it('is off in predict and evaluate: the same outputs as the network without it, given the same weights', async () => {
    const [dropping, plain] = await Promise.all([network(config(0.5)), network(config(undefined))]);
    await dropping.fit(X, Y, FIT);
    plain.setWeights(dropping.getWeights());
    expectSameBits(dropping.predict(X) as Float32Array, plain.predict(X) as Float32Array, 'predict');
    expect(dropping.evaluate(X, Y)).toEqual(plain.evaluate(X, Y));
    // Twice in a row: nothing is drawn at inference.
    expectSameBits(dropping.predict(X) as Float32Array, plain.predict(X) as Float32Array, 'predict again');
  });

  it('gives the same bits on every build, on 1 to 3 threads, and cut into one call per batch', async () => {
    const runs: { what: string; bits: string[]; loss: number[] }[] = [];
    const cases: [string, Partial<NetworkConfig>, FitOptions][] = [
      ['simd', { backend: 'simd', threads: 1 }, FIT],
      ['scalar', { backend: 'scalar', threads: 1 }, FIT],
      ['simd, 2 threads', { backend: 'simd', threads: 2 }, FIT],
      ['simd, 3 threads', { backend: 'simd', threads: 3 }, FIT],
      ['one call per batch', { backend: 'simd', threads: 1 }, { ...FIT, onBatchEnd: () => {} }],
      ['per-row SGD', { backend: 'scalar', threads: 1 }, { epochs: 1, batchSize: 1, optimizer: { type: 'sgd', learningRate: 0.01 } }],
      ['per-row SGD', { backend: 'simd', threads: 1 }, { epochs: 1, batchSize: 1, optimizer: { type: 'sgd', learningRate: 0.01 } }],
    ];
    for (const [what, extra, options] of cases) {
      const net = await network(config(0.25, extra));
      const history = await net.fit(X, Y, options);
      runs.push({ what, bits: weightBits(net), loss: history.loss });
    }
    const [first, ...others] = runs.slice(0, 5);
    for (const run of others) {
      expect(run.bits, run.what).toEqual(first!.bits);
      expect(run.loss, run.what).toEqual(first!.loss);
    }
    expect(runs[6]!.bits, 'per-row SGD, simd and scalar').toEqual(runs[5]!.bits);
  });

  it('continues its masks from one fit to the next: two fits of one epoch train as one fit of two', async () => {
    const [once, twice] = await Promise.all([network(config(0.25)), network(config(0.25))]);
    await once.fit(X, Y, FIT);
    await twice.fit(X, Y, { ...FIT, epochs: 1 });
    await twice.fit(X, Y, { ...FIT, epochs: 1 });
    expect(weightBits(twice)).toEqual(weightBits(once));
  });

  it('is saved by toJSON and read back by fromJSON; files without it load as before', async () => {
    const net = await network(config(0.25));
    await net.fit(X, Y, { ...FIT, epochs: 1 });
    const json = net.toJSON();
    expect(json.layers.map((l) => l.dropout)).toEqual([0.25, 0.25, undefined]);
    const copy = await Network.fromJSON(json);
    live.push(copy);
    expect(copy.config.layers.map((l) => l.dropout)).toEqual([0.25, 0.25, undefined]);
    expect(weightBits(copy)).toEqual(weightBits(net));
    const plain = structuredClone(json);
    for (const layer of plain.layers) delete layer.dropout;
    const loaded = await Network.fromJSON(plain);
    live.push(loaded);
    expect(loaded.config.layers.every((l) => l.dropout === undefined)).toBe(true);
    const bad = structuredClone(json);
    bad.layers[0]!.dropout = 1.5;
    expect((await failure(() => Network.fromJSON(bad))).message).toMatch(/fromJSON: layers\[0\]\.dropout must be a finite number ≥ 0 and < 1, got 1\.5/);
  });
});
