// Learning-rate schedules through fit: a fit continued in a loop follows the same
// schedule as one long fit, and starts it afresh exactly when the README says;
// reduceOnPlateau follows Keras's rule (the float64 reference's plateauRates) on
// the values the history reports, and the network trains at the rates it reports;
// the bits do not depend on how a fit is cut into calls into wasm.

import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as abi from '../src/abi.js';
import { trainingCalls } from '../src/engine.js';
import { DivergenceError, type FitOptions, type History, type LearningRateSchedule, Network, type NetworkConfig } from '../src/index.js';
import { parseNetworkConfig } from '../src/config.js';
import { Rng } from '../src/random.js';
import { ReferenceNetwork } from '../src/reference/network.js';
import { plateauRates, scheduledRate } from '../src/reference/schedule.js';
import { BUILDS, kernelHeap, type KernelHeap } from './support/kernels.js';
import { ulpDistance } from './support/numeric.js';
import { failure, weightHash } from './support/untouched.js';

const ROWS = 60;
const rng = Rng.fromSeed(5);
const X = Float32Array.from({ length: ROWS * 4 }, () => rng.uniform() * 2 - 1);
// Noisy classes, so that the validation loss wanders and plateaus.
const Y = new Float32Array(ROWS * 3);
for (let r = 0; r < ROWS; r++) Y[r * 3 + ((X[r * 4]! > 0 ? 1 : 0) + (rng.uniform() < 0.3 ? 1 : 0))] = 1;

const CONFIG: NetworkConfig = {
  inputs: 4, layers: [{ units: 12, activation: 'relu' }, { units: 3, activation: 'softmax' }], loss: 'categoricalCrossentropy', seed: 9,
};

afterEach(() => {
  trainingCalls.batches = 0;
});

const SCHEDULES: [string, FitOptions][] = [
  ['step, under momentum', { optimizer: { type: 'momentum', learningRate: 0.1 }, learningRateSchedule: { type: 'step', every: 2, factor: 0.5 } }],
  ['exponential, under Adam', { optimizer: { type: 'adam', learningRate: 0.02 }, learningRateSchedule: { type: 'exponential', decaySteps: 4, decayRate: 0.7 } }],
  ['staircase exponential, under RMSprop', {
    optimizer: { type: 'rmsprop', learningRate: 0.01 }, learningRateSchedule: { type: 'exponential', decaySteps: 5, decayRate: 0.5, staircase: true },
  }],
  ['cosine with warmup, under AdamW, clipped', {
    optimizer: { type: 'adamw', learningRate: 0.03 }, clipNorm: 0.5,
    learningRateSchedule: { type: 'cosine', decaySteps: 20, warmupSteps: 6, alpha: 0.05 },
  }],
  ['reduceOnPlateau, under SGD', {
    optimizer: { type: 'sgd', learningRate: 0.5 }, validationSplit: 0.25,
    learningRateSchedule: { type: 'reduceOnPlateau', patience: 1, factor: 0.5, minDelta: 0 },
  }],
  ['reduceOnPlateau on accuracy with cooldown, under Adagrad', {
    optimizer: { type: 'adagrad', learningRate: 0.3 }, validationSplit: 0.25,
    learningRateSchedule: { type: 'reduceOnPlateau', monitor: 'valAccuracy', patience: 0, cooldown: 2, factor: 0.3 },
  }],
];

const BASE: FitOptions = { batchSize: 8, l1: 0.001 };
const EPOCHS = 12;

async function fitted(options: FitOptions, epochsPerCall: number[]): Promise<{ net: Network; histories: History[] }> {
  const net = await Network.create(CONFIG);
  const histories: History[] = [];
  for (const epochs of epochsPerCall) histories.push(await net.fit(X, Y, { ...BASE, ...options, epochs }));
  return { net, histories };
}

/** The per-epoch arrays of several histories, one after the other. */
function joined(histories: History[]): Partial<History> {
  const join = (key: 'loss' | 'learningRate' | 'valLoss') => histories.flatMap((h) => h[key] ?? []);
  return { loss: join('loss'), learningRate: join('learningRate'), valLoss: join('valLoss') };
}

describe.each(BUILDS)('assembly/schedule.ts learningRateAt (%s build)', (backend) => {
  let heap: KernelHeap;
  beforeAll(async () => {
    heap = await kernelHeap(backend);
  });
  const f = Math.fround;
  // Each schedule, and the kernel's arguments for it: kind, period, factor, warmup, staircase.
  const kernelCases: [string, LearningRateSchedule, [number, number, number, number, number]][] = [
    ['step', { type: 'step', every: 3, factor: f(0.3) }, [abi.SCHEDULE_STEP, 3, f(0.3), 0, 0]],
    ['exponential', { type: 'exponential', decaySteps: 7, decayRate: f(0.9) }, [abi.SCHEDULE_EXPONENTIAL, 7, f(0.9), 0, 0]],
    ['exponential growth', { type: 'exponential', decaySteps: 50, decayRate: 3 }, [abi.SCHEDULE_EXPONENTIAL, 50, 3, 0, 0]],
    ['staircase', { type: 'exponential', decaySteps: 7, decayRate: 0.5, staircase: true }, [abi.SCHEDULE_EXPONENTIAL, 7, 0.5, 0, 1]],
    ['cosine', { type: 'cosine', decaySteps: 150 }, [abi.SCHEDULE_COSINE, 150, 0, 0, 0]],
    ['cosine with warmup and floor', { type: 'cosine', decaySteps: 90, warmupSteps: 25, alpha: f(0.15) }, [abi.SCHEDULE_COSINE, 90, f(0.15), 25, 0]],
  ];
  it.each(kernelCases)('%s: within one float32 unit of the float64 reference, step by step', (_, schedule, [kind, period, factor, warmup, staircase]) => {
    const base = f(0.0375);
    const rates: number[] = [];
    for (let step = 0; step < 200; step++) {
      const epoch = Math.floor(step / 9);
      const got = heap.k.learningRateAt(kind, base, period, factor, warmup, staircase, step, epoch);
      const want = Math.fround(scheduledRate(schedule, base, step, epoch));
      expect(ulpDistance(got, want), `step ${step}: ${got} vs ${want}`).toBeLessThanOrEqual(1);
      rates.push(got);
    }
    expect(new Set(rates).size).toBeGreaterThan(5);
    expect(heap.k.learningRateAt(abi.SCHEDULE_CONSTANT, base, 1, 1, 0, 0, 123, 4)).toBe(base);
  });
});

describe('a schedule continued over several fits', () => {
  it.each(SCHEDULES)('%s: one epoch per fit follows one long fit, bit for bit', async (_, options) => {
    const whole = await fitted(options, [EPOCHS]);
    const pieces = await fitted(options, [1, 1, 2, 3, 1, 4]);
    expect(weightHash(pieces.net)).toBe(weightHash(whole.net));
    expect(joined(pieces.histories)).toEqual(joined(whole.histories));
    // The schedule did change the rate along the way.
    expect(new Set(whole.histories[0]!.learningRate).size).toBeGreaterThan(1);
    whole.net.dispose();
    pieces.net.dispose();
  });

  const cosine = SCHEDULES[3]![1];
  const afresh: [string, FitOptions, boolean][] = [
    ['other schedule settings', { ...cosine, learningRateSchedule: { type: 'cosine', decaySteps: 21, warmupSteps: 6, alpha: 0.05 } }, false],
    ['another starting learning rate', { ...cosine, optimizer: { type: 'adamw', learningRate: 0.02 } }, false],
    ['setWeights in between', cosine, true],
  ];
  it.each(afresh)('%s start the schedule and the optimizer afresh', async (_, second, replaceWeights) => {
    const train = async (fresh: boolean): Promise<string> => {
      const net = await Network.create(CONFIG);
      await net.fit(X, Y, { ...BASE, ...cosine, epochs: 3 });
      if (fresh || replaceWeights) net.setWeights(net.getWeights());
      await net.fit(X, Y, { ...BASE, ...second, epochs: 2 });
      const hash = weightHash(net);
      net.dispose();
      return hash;
    };
    expect(await train(false)).toBe(await train(true));
  });

  it('the same settings continue, so the second fit differs from a fresh start', async () => {
    const net = await Network.create(CONFIG);
    const first = await net.fit(X, Y, { ...BASE, ...cosine, epochs: 2 });
    const second = await net.fit(X, Y, { ...BASE, ...cosine, epochs: 1 });
    expect(second.learningRate[0]).not.toBe(first.learningRate[0]);
    net.dispose();
  });
});

describe('reduceOnPlateau', () => {
  const plateaus: [string, Extract<LearningRateSchedule, { type: 'reduceOnPlateau' }>][] = [
    ['patience 1 on the validation loss', { type: 'reduceOnPlateau', patience: 1, factor: 0.5, minDelta: 0 }],
    ['patience 0 and a cooldown of 2', { type: 'reduceOnPlateau', patience: 0, cooldown: 2, factor: 0.7 }],
    ['a floor', { type: 'reduceOnPlateau', patience: 0, factor: 0.2, minLearningRate: 0.03 }],
    ['the training loss, minDelta 0.01', { type: 'reduceOnPlateau', monitor: 'loss', patience: 1, factor: 0.5, minDelta: 0.01 }],
    ['the validation accuracy', { type: 'reduceOnPlateau', monitor: 'valAccuracy', patience: 2, factor: 0.5 }],
  ];
  it.each(plateaus)('%s: the rates follow Keras\'s rule on the values reported, and train the network', async (_, schedule) => {
    const net = await Network.create(CONFIG);
    const start = net.getWeights();
    const lr = 0.5;
    const history = await net.fit(X, Y, {
      epochs: 25, batchSize: 8, shuffle: false, validationSplit: 0.25, optimizer: { type: 'sgd', learningRate: lr }, learningRateSchedule: schedule,
    });
    const monitor = schedule.monitor ?? 'valLoss';
    const expected = plateauRates(history[monitor]!, lr, {
      lowerIsBetter: monitor.endsWith('oss'), factor: schedule.factor ?? 0.1, patience: schedule.patience ?? 10,
      minDelta: schedule.minDelta ?? 1e-4, cooldown: schedule.cooldown ?? 0, minLearningRate: schedule.minLearningRate ?? 0,
    });
    expect(history.learningRate.map(Math.fround)).toEqual(expected);
    expect(new Set(expected).size, 'the rate was reduced').toBeGreaterThan(1);
    if (schedule.minLearningRate) expect(Math.min(...history.learningRate)).toBe(schedule.minLearningRate);

    // The float64 reference trained at those rates, epoch by epoch, lands where the engine did.
    const reference = new ReferenceNetwork(parseNetworkConfig(CONFIG).layers, 'categoricalCrossentropy', start);
    const trainRows = ROWS - 15;
    reference.fit(X.subarray(0, trainRows * 4), Y.subarray(0, trainRows * 3), trainRows, {
      epochs: 25, batchSize: 8, optimizer: { type: 'sgd', learningRate: lr }, learningRate: (_step, epoch) => expected[epoch]!,
    });
    net.getWeights().forEach((layer, l) => {
      layer.weights.forEach((w, i) => expect(Math.abs(w - reference.params[l]!.weights[i]!)).toBeLessThan(1e-4));
    });
    net.dispose();
  });
});

describe('the rates recorded', () => {
  it('an epoch\'s rate is that of its last step, as the float64 reference computes it', async () => {
    const schedule: LearningRateSchedule = { type: 'cosine', decaySteps: 30, warmupSteps: 4, alpha: 0.2 };
    const net = await Network.create(CONFIG);
    const steps: number[] = [];
    const history = await net.fit(X, Y, {
      epochs: 6, batchSize: 8, optimizer: { type: 'adam', learningRate: 0.01 }, learningRateSchedule: schedule,
      onBatchEnd: ({ learningRate }) => void steps.push(learningRate),
    });
    const rate = (step: number): number => Math.fround(scheduledRate({ ...schedule, alpha: Math.fround(0.2) }, Math.fround(0.01), step, 0));
    expect(steps).toHaveLength(6 * 8);
    steps.forEach((r, step) => expect(ulpDistance(r, rate(step)), `step ${step}`).toBeLessThanOrEqual(1));
    history.learningRate.forEach((r, e) => expect(r).toBe(steps[(e + 1) * 8 - 1]));
    net.dispose();
  });

  it('without a schedule every epoch reports the optimizer\'s rate, as written', async () => {
    for (const options of [{}, { onEpochEnd: () => {} }, { earlyStopping: { monitor: 'loss', patience: 5000 } }] as FitOptions[]) {
      const net = await Network.create(CONFIG);
      const history = await net.fit(X, Y, { epochs: 1500, batchSize: 30, optimizer: { type: 'sgd', learningRate: 0.05 }, ...options });
      expect(history.learningRate).toEqual(new Array(1500).fill(0.05));
      net.dispose();
    }
  });

  it('a DivergenceError carries the rate of the step that failed', async () => {
    const net = await Network.create(CONFIG);
    const schedule: LearningRateSchedule = { type: 'exponential', decaySteps: 1, decayRate: 4 };
    const error = (await failure(() => net.fit(X, Y, {
      epochs: 8, batchSize: 8, shuffle: false, optimizer: { type: 'sgd', learningRate: 1 }, learningRateSchedule: schedule,
    }))) as DivergenceError;
    expect(error).toBeInstanceOf(DivergenceError);
    const step = (error.epoch - 1) * 8 + error.batch - 1;
    // The rate as float32 has it (4^step is exact), written as the shortest decimal that reads back as it.
    expect(Math.fround(error.learningRate)).toBe(4 ** step);
    expect(error.message).toContain(`learning rate ${error.learningRate}`);
    expect(step).toBeGreaterThan(2);
    net.dispose();
  });
});

describe('the same bits however a fit is cut into calls', () => {
  const cases: [string, FitOptions][] = [
    ['cosine under AdamW with clipNorm and L1', { ...SCHEDULES[3]![1], l1: 0.002 }],
    ['reduceOnPlateau with early stopping', {
      ...SCHEDULES[4]![1], earlyStopping: { monitor: 'valLoss', patience: 4, restoreBestWeights: true },
    }],
  ];
  it.each(cases)('%s', async (_, options) => {
    const outcomes: unknown[] = [];
    for (const batches of [0, 1, 2, 3, 7, 64]) {
      trainingCalls.batches = batches;
      const { net, histories } = await fitted(options, [30]);
      outcomes.push([weightHash(net), histories]);
      net.dispose();
    }
    trainingCalls.batches = 0;
    const { net, histories } = await fitted({ ...options, onBatchEnd: async () => {}, onEpochEnd: () => {} }, [30]);
    outcomes.push([weightHash(net), histories]);
    net.dispose();
    for (const outcome of outcomes) expect(outcome).toEqual(outcomes[0]);
  });
});
