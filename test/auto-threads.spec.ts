// threads: 'auto' on several threads follows the measured speed: the rules by which it probes one
// thread alone and switches, fed chosen times, and fits and predictions whose calls switch back and
// forth, which must give the bits of one thread.

import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Arena } from '../src/arena.js';
import { stagingBudget, trainingCalls } from '../src/engine.js';
import { type FitOptions, Network, type NetworkConfig } from '../src/index.js';
import { AutoThreads, autoThreadsTuning } from '../src/wasm/auto-threads.js';
import { cycledClasses } from './support/datasets.js';
import { weightHash } from './support/untouched.js';

const TUNING = { ...autoThreadsTuning };
const BUDGET = stagingBudget.bytes;
afterEach(() => {
  Object.assign(autoThreadsTuning, TUNING);
  trainingCalls.batches = 0;
  stagingBudget.bytes = BUDGET;
  vi.restoreAllMocks();
});

const THREADS = 4;
const { firstProbeAfter, lastProbeAfter, measuredMs } = TUNING;

// Measurements of `ms` milliseconds per batch over 10 batches, one call each, until `next` changes
// or `limit` calls have run; answers the calls run.
function runUntilChange(auto: AutoThreads, msPerBatch: number, limit = 1000): number {
  const at = auto.next;
  let calls = 0;
  while (auto.next === at && calls < limit) {
    auto.record(10, 10 * msPerBatch);
    calls++;
  }
  return calls;
}

describe('AutoThreads, fed chosen times', () => {
  it('runs on the threads, and after firstProbeAfter measurements probes one thread for one measurement', () => {
    const auto = new AutoThreads(THREADS);
    expect(auto.next).toBe(THREADS);
    expect(runUntilChange(auto, 2)).toBe(firstProbeAfter);
    expect(auto.next).toBe(1);
    auto.record(10, 10 * 2);
    expect(auto.next).toBe(THREADS);
  });

  it('a probe under switchBelow of the running time per batch takes over, and the threads are probed again', () => {
    const auto = new AutoThreads(THREADS);
    runUntilChange(auto, 2);
    auto.record(10, 10 * 2 * (TUNING.switchBelow - 0.02));
    expect(auto.next).toBe(1);
    expect(runUntilChange(auto, 2 * (TUNING.switchBelow - 0.02))).toBe(firstProbeAfter);
    expect(auto.next).toBe(THREADS);
    // The threads, faster than one thread by more than the margin again, take back over.
    auto.record(10, 10 * 1.5);
    expect(auto.next).toBe(THREADS);
    expect(runUntilChange(auto, 1.5)).toBe(firstProbeAfter);
  });

  it('a probe not under switchBelow leaves the choice, and the probes thin out, doubling up to lastProbeAfter', () => {
    const auto = new AutoThreads(THREADS);
    const gaps = [];
    for (let probe = 0; probe < 7; probe++) {
      gaps.push(runUntilChange(auto, 2));
      expect(auto.next).toBe(1);
      auto.record(10, 10 * 2 * (TUNING.switchBelow + 0.02));
      expect(auto.next).toBe(THREADS);
    }
    const expected = [firstProbeAfter];
    while (expected.length < 7) expected.push(Math.min(2 * expected.at(-1)!, lastProbeAfter));
    expect(gaps).toEqual(expected);
    expect(gaps.at(-1)).toBe(lastProbeAfter);
  });

  it('a probe is held against the latest measurements, not the slow first ones of a fresh network', () => {
    const auto = new AutoThreads(THREADS);
    for (const msPerBatch of [20, 20, 2, 2, 2, 2, 2, 2]) auto.record(10, 10 * msPerBatch);
    expect(auto.next).toBe(1);
    auto.record(10, 10 * 2 * (TUNING.switchBelow + 0.02));
    expect(auto.next).toBe(THREADS);
  });

  it('calls shorter than measuredMs add up to one measurement', () => {
    const auto = new AutoThreads(THREADS);
    const callMs = measuredMs / 2.5;
    let calls = 0;
    while (auto.next === THREADS && calls < 1000) {
      auto.record(1, callMs);
      calls++;
    }
    expect(calls).toBe(3 * firstProbeAfter);
  });

  it('a fit of another batch size measures afresh before it probes', () => {
    const auto = new AutoThreads(THREADS);
    auto.begin(64);
    runUntilChange(auto, 2);
    expect(auto.next).toBe(1);
    auto.begin(256);
    // The probe due waits for a measurement at the new size …
    expect(auto.next).toBe(THREADS);
    auto.record(10, 10 * 8);
    expect(auto.next).toBe(1);
    // … against which one thread at 6 ms per batch wins, though it lost against 2 ms before.
    auto.record(10, 10 * 6);
    expect(auto.next).toBe(1);
    expect(runUntilChange(auto, 6)).toBe(firstProbeAfter);
  });
});

// Every call a measurement and every probe a switch: a call of three batches on the threads, then
// a probe alone, which takes over; a call alone, a probe on the threads, which takes over; and so on.
function switchEveryCall(): number[] {
  Object.assign(autoThreadsTuning, { firstProbeAfter: 1, lastProbeAfter: 1, switchBelow: Infinity, measuredMs: 0 });
  trainingCalls.batches = 3;
  const set: number[] = [];
  const setThreads = Arena.prototype.setThreads;
  vi.spyOn(Arena.prototype, 'setThreads').mockImplementation(function (this: Arena, threads: number) {
    set.push(threads);
    setThreads.call(this, threads);
  });
  return set;
}

const ROWS = 203;
const INPUTS = 257;
const { x: X, y: Y } = cycledClasses(47, ROWS, INPUTS, 7);
const CONFIG = (threads: NetworkConfig['threads']): NetworkConfig => ({
  inputs: INPUTS,
  layers: [{ units: 130, activation: 'relu' }, { units: 67, activation: 'tanh' }, { units: 7, activation: 'softmax' }],
  loss: 'categoricalCrossentropy', seed: 9, threads,
});
const bits = (values: Float32Array): string => Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');

const FITS: [string, FitOptions][] = [
  ['SGD, batches stepped as their gradients complete', { epochs: 4, batchSize: 32, shuffle: true, optimizer: { type: 'sgd', learningRate: 0.05 } }],
  ['Adam with validation rows', { epochs: 4, batchSize: 40, validationSplit: 0.1, optimizer: 'adam' }],
  ['momentum with clipNorm, stepped after the gradients', { epochs: 4, batchSize: 32, clipNorm: 0.5, optimizer: 'momentum' }],
];

describe.skipIf(availableParallelism() < 2)("an 'auto' network whose calls switch between its threads and one", () => {
  it.each(FITS)('%s: the weights, history and predictions of one thread', async (_, options) => {
    const alone = await Network.create(CONFIG(1));
    const expected = { history: await alone.fit(X, Y, options), weights: weightHash(alone), outputs: bits(alone.predict(X)) };
    alone.dispose();
    const set = switchEveryCall();
    const auto = await Network.create(CONFIG('auto'));
    try {
      expect(auto.threads).toBeGreaterThan(1);
      const history = await auto.fit(X, Y, options);
      // Each call sets its threads and then restores the network's count.
      const chosen = set.filter((_, i) => i % 2 === 0);
      expect(set.filter((_, i) => i % 2 === 1).every((threads) => threads === auto.threads)).toBe(true);
      expect(chosen.filter((threads) => threads === 1).length).toBeGreaterThan(2);
      expect(chosen.filter((threads) => threads === auto.threads).length).toBeGreaterThan(2);
      expect({ history, weights: weightHash(auto), outputs: bits(auto.predict(X)) }).toEqual(expected);
    } finally {
      auto.dispose();
    }
  });

  it('fitDataset, one call per batch, gives the weights of one thread', async () => {
    const batches = Array.from({ length: 6 }, (_, b) => ({
      x: X.slice(b * 32 * INPUTS, (b + 1) * 32 * INPUTS), y: Y.slice(b * 32 * 7, (b + 1) * 32 * 7),
    }));
    const options = { epochs: 3, optimizer: 'adam' } as const;
    const alone = await Network.create(CONFIG(1));
    await alone.fitDataset(() => batches, options);
    const expected = weightHash(alone);
    alone.dispose();
    const set = switchEveryCall();
    const auto = await Network.create(CONFIG('auto'));
    try {
      await auto.fitDataset(() => batches, options);
      expect(set).toContain(1);
      expect(weightHash(auto)).toBe(expected);
    } finally {
      auto.dispose();
    }
  });

  it('predict, predictInto and predict a window at a time give the outputs of one thread', async () => {
    const alone = await Network.create(CONFIG(1));
    await alone.fit(X, Y, FITS[0]![1]);
    const json = alone.toJSON();
    const expectedValues = alone.predict(X);
    const expected = bits(expectedValues);
    alone.dispose();
    const set = switchEveryCall();
    const auto = await Network.fromJSON(json, { threads: 'auto' });
    try {
      const out = new Float32Array(ROWS * 7);
      for (let call = 0; call < 4; call++) {
        expect(bits(auto.predict(X))).toBe(expected);
        auto.predictInto(X, out);
        expect(bits(out)).toBe(expected);
      }
      // Under this budget predict stages the rows 128 (a block) at a time, checking each window
      // as it stages it: the five windows of X three times over.
      stagingBudget.bytes = 64 * 1024;
      const thrice = new Float32Array(3 * X.length);
      for (let i = 0; i < 3; i++) thrice.set(X, i * X.length);
      const expectedThrice = bits(Float32Array.from({ length: 3 * ROWS * 7 }, (_, i) => expectedValues[i % (ROWS * 7)]!));
      for (let call = 0; call < 4; call++) expect(bits(auto.predict(thrice))).toBe(expectedThrice);
      // Each call sets its threads and then restores the network's count.
      const chosen = set.filter((_, i) => i % 2 === 0);
      expect(chosen).toHaveLength(12);
      expect(chosen.filter((threads) => threads === 1).length).toBeGreaterThan(3);
      expect(chosen.filter((threads) => threads === auto.threads).length).toBeGreaterThan(3);
    } finally {
      auto.dispose();
    }
  });

  it('a network set to a number of threads keeps them in every call', async () => {
    const set = switchEveryCall();
    const net = await Network.create(CONFIG(2));
    try {
      await net.fit(X, Y, FITS[0]![1]);
      net.predict(X);
      expect(set).toEqual([]);
    } finally {
      net.dispose();
    }
  });
});
