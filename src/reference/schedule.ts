// The learning-rate schedules in float64, as their sources define them: the rate
// of each step, and Keras's ReduceLROnPlateau over a run of epoch values. The
// engine computes the per-step rates in wasm (assembly/schedule.ts) and the
// plateau in src/training/schedule.ts; tests hold both to these.

import type { LearningRateSchedule } from '../training/schedule.js';

/**
 * The rate of step `step` (steps taken before it) in epoch `epoch` (epochs completed before it)
 * when the schedule starts from `base`.
 */
export function scheduledRate(schedule: LearningRateSchedule | undefined, base: number, step: number, epoch: number): number {
  switch (schedule?.type) {
    case 'step':
      // PyTorch's StepLR: γ^⌊epoch / step_size⌋.
      return base * (schedule.factor ?? 0.1) ** Math.floor(epoch / schedule.every);
    case 'exponential': {
      // Keras's ExponentialDecay.
      const p = step / schedule.decaySteps;
      return base * schedule.decayRate ** (schedule.staircase ? Math.floor(p) : p);
    }
    case 'cosine': {
      const warmup = schedule.warmupSteps ?? 0;
      if (step < warmup) return (base * (step + 1)) / warmup;
      // Keras's CosineDecay: (1 − α)·½(1 + cos(π·t/T)) + α, with t held at T once it is reached.
      const alpha = schedule.alpha ?? 0;
      const t = Math.min(step - warmup, schedule.decaySteps);
      return base * ((1 - alpha) * (0.5 * (1 + Math.cos((Math.PI * t) / schedule.decaySteps))) + alpha);
    }
    default:
      return base;
  }
}

/**
 * The rate of each epoch under Keras's ReduceLROnPlateau (keras/src/callbacks/reduce_lr_on_plateau.py)
 * given every epoch's monitored value, losses falling and accuracies rising. Rates are float32, as
 * the optimizer holds them.
 */
export function plateauRates(
  values: readonly number[],
  base: number,
  o: { lowerIsBetter: boolean; factor: number; patience: number; minDelta: number; cooldown: number; minLearningRate: number },
): number[] {
  const better = (a: number, b: number): boolean => (o.lowerIsBetter ? a < b - o.minDelta : a > b + o.minDelta);
  const minimum = Math.fround(o.minLearningRate);
  let lr = Math.fround(base);
  let best = o.lowerIsBetter ? Infinity : -Infinity;
  let wait = 0;
  let cooldownCounter = 0;
  const rates: number[] = [];
  for (const current of values) {
    rates.push(lr);
    if (cooldownCounter > 0) {
      cooldownCounter -= 1;
      wait = 0;
    }
    if (better(current, best)) {
      best = current;
      wait = 0;
    } else if (!(cooldownCounter > 0)) {
      wait += 1;
      if (wait >= o.patience && lr > minimum) {
        lr = Math.max(Math.fround(lr * o.factor), minimum);
        cooldownCounter = o.cooldown;
        wait = 0;
      }
    }
  }
  return rates;
}
