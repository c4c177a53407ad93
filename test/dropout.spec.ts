// Dropout: the mask kernel (assembly/dropout.ts) on its own, one SGD step against the float64
// reference given the mask as documented, then networks with dropout layers:
// the option checked, off in predict and evaluate, the same bits on every build, thread count
// and cut of a fit into calls, saved and loaded with the network.

import { beforeAll, describe, expect, it } from 'vitest';
import { RUN_RNG } from '../src/abi.js';
import { type FitOptions, Network, type NetworkConfig } from '../src/index.js';
import { engineOf } from '../src/network.js';
import { Rng } from '../src/random.js';
import * as ref from '../src/reference/ops.js';
import { BUILDS, kernelHeap, type KernelHeap } from './support/kernels.js';
import { expectSameBits, randomF32, seeded } from './support/numeric.js';
import { failure } from './support/untouched.js';
import { cycledClasses } from './support/datasets.js';
import { disposedAfterAll } from './support/networks.js';

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

// The mask as docs/conventions.md states it, written afresh: lowbias32, the key of a layer at a
// step from the generator state, and element i kept when mix(mix(i) ^ key) >>> 8 ≥ p·2²⁴.
function mix(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}
function maskScale(state: readonly number[], step: number, layer: number, count: number, rate: number): Float64Array {
  let key = mix((step ^ mix(layer)) >>> 0);
  for (const word of state) key = mix((key ^ word) >>> 0);
  const p = Math.fround(rate);
  const scale = Math.fround(1 / Math.fround(1 - p));
  return Float64Array.from({ length: count }, (_, i) => (mix((mix(i) ^ key) >>> 0) >>> 8 >= Math.floor(p * 2 ** 24) ? scale : 0));
}

describe('one SGD step with dropout against the float64 reference, given the mask', () => {
  it('5-7-3, sigmoid hidden with dropout 0.5, a full batch of 9 rows', async () => {
    const [rows, inputs, hidden, outputs, rate, lr] = [9, 5, 7, 3, 0.5, 0.5];
    const net = await Network.create({
      inputs, layers: [{ units: hidden, activation: 'sigmoid', dropout: rate }, { units: outputs, activation: 'linear' }], loss: 'squaredError', seed: 2,
    });
    keep(net);
    const data = Rng.fromSeed(99);
    const x = Float32Array.from({ length: rows * inputs }, () => data.uniform() * 2 - 1);
    const y = Float32Array.from({ length: rows * outputs }, () => data.uniform());
    const [w1, w2] = net.getWeights();
    await net.fit(x, y, { epochs: 1, batchSize: rows, shuffle: false, optimizer: { type: 'sgd', learningRate: lr } });
    // Without shuffling, the generator state the mask was keyed on is still the run's.
    const { arena } = engineOf(net);
    const state = Array.from(arena.i32.subarray((arena.run + RUN_RNG) / 4, (arena.run + RUN_RNG) / 4 + 4), (v) => v >>> 0);
    const mask = maskScale(state, 0, 0, rows * hidden, rate);
    expect(mask.filter((v) => v === 0).length).toBeGreaterThan(rows * hidden * 0.3);
    expect(mask.filter((v) => v === 0).length).toBeLessThan(rows * hidden * 0.7);

    const addBias = (z: Float64Array, b: Float32Array, n: number) => z.map((v, i) => v + b[i % n]!);
    const a1 = ref.activate(addBias(ref.matmul(x, w1!.weights, rows, inputs, hidden), w1!.bias!, hidden), rows, hidden, 'sigmoid');
    const dropped = a1.map((v, i) => v * mask[i]!);
    const a2 = addBias(ref.matmul(dropped, w2!.weights, rows, hidden, outputs), w2!.bias!, outputs);
    const g2 = a2.map((v, i) => (v - y[i]!) / rows);
    const z1 = addBias(ref.matmul(x, w1!.weights, rows, inputs, hidden), w1!.bias!, hidden);
    const g1 = ref.activationBackward(ref.matmulTransB(g2, w2!.weights, rows, outputs, hidden).map((v, i) => v * mask[i]!), z1, rows, hidden, 'sigmoid');
    const columnSums = (g: Float64Array, n: number) => Float64Array.from({ length: n }, (_, j) => g.filter((_, i) => i % n === j).reduce((s, v) => s + v, 0));
    const want = [
      { weights: ref.matmulTransA(x, g1, rows, inputs, hidden), bias: columnSums(g1, hidden), before: w1! },
      { weights: ref.matmulTransA(dropped, g2, rows, hidden, outputs), bias: columnSums(g2, outputs), before: w2! },
    ];
    net.getWeights().forEach((got, l) => {
      const { weights, bias, before } = want[l]!;
      got.weights.forEach((w, i) => expect(Math.abs(w - (before.weights[i]! - lr * weights[i]!)), `layer ${l} w${i}`).toBeLessThan(1e-6));
      got.bias!.forEach((b, j) => expect(Math.abs(b - (before.bias![j]! - lr * bias[j]!)), `layer ${l} b${j}`).toBeLessThan(1e-6));
    });
  });
});

const ROWS = 203;
const INPUTS = 131;
const { x: X, y: Y } = cycledClasses(23, ROWS, INPUTS, 5);

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

const { network, keep } = disposedAfterAll();

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

  it('trains with the newer losses and row weights: class indices and Huber, weighted, the same bits on every build and thread count', async () => {
    const labels = Float32Array.from({ length: ROWS }, (_, r) => r % 5);
    const sampleWeight = Float32Array.from({ length: ROWS }, (_, r) => 0.5 + (r % 3));
    const losses: [Partial<NetworkConfig>, Float32Array][] = [
      [{ loss: 'sparseCategoricalCrossentropy' }, labels],
      [{ loss: 'huber', huberDelta: 0.3, layers: config(0.25).layers.map((l, i) => (i === 2 ? { ...l, activation: 'linear' } : l)) }, Y],
    ];
    for (const [lossConfig, y] of losses) {
      const runs: string[][] = [];
      for (const extra of [{ backend: 'simd', threads: 1 }, { backend: 'scalar', threads: 1 }, { backend: 'simd', threads: 3 }] as const) {
        const net = await network(config(0.25, { ...lossConfig, ...extra }));
        const history = await net.fit(X, y, { ...FIT, sampleWeight });
        expect(history.loss.every(Number.isFinite), lossConfig.loss).toBe(true);
        runs.push(weightBits(net));
      }
      expect(runs[1], `${lossConfig.loss}: scalar`).toEqual(runs[0]);
      expect(runs[2], `${lossConfig.loss}: 3 threads`).toEqual(runs[0]);
    }
    const huber = await network(config(0.25, losses[1]![0]));
    const json = huber.toJSON();
    expect([json.huberDelta, json.layers.map((l) => l.dropout)]).toEqual([0.3, [0.25, 0.25, undefined]]);
    const copy = await Network.fromJSON(json);
    keep(copy);
    expect([copy.config.huberDelta, copy.config.layers.map((l) => l.dropout)]).toEqual([huber.config.huberDelta, [0.25, 0.25, undefined]]);
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
    keep(copy);
    expect(copy.config.layers.map((l) => l.dropout)).toEqual([0.25, 0.25, undefined]);
    expect(weightBits(copy)).toEqual(weightBits(net));
    const plain = structuredClone(json);
    for (const layer of plain.layers) delete layer.dropout;
    const loaded = await Network.fromJSON(plain);
    keep(loaded);
    expect(loaded.config.layers.every((l) => l.dropout === undefined)).toBe(true);
    const bad = structuredClone(json);
    bad.layers[0]!.dropout = 1.5;
    expect((await failure(() => Network.fromJSON(bad))).message).toMatch(/fromJSON: layers\[0\]\.dropout must be a finite number ≥ 0 and < 1, got 1\.5/);
  });
});
