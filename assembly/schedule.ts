// The learning rate of each step, from the base rate and a schedule's settings
// (src/abi.ts SCHEDULE_*). Worked out in f64 from the f32 settings and rounded
// once to f32, the precision the updates use, so it agrees with the float64
// reference (src/reference/schedule.ts) to that rounding. It runs on the calling
// thread, once a step, so every build gets the same bits.

import {
  RUN_EPOCHS_BEFORE, RUN_LEARNING_RATE, RUN_SCHEDULE, RUN_SCHEDULE_FACTOR, RUN_SCHEDULE_PERIOD, RUN_SCHEDULE_STAIRCASE,
  RUN_SCHEDULE_WARMUP, RUN_STEP, SCHEDULE_CONSTANT, SCHEDULE_EXPONENTIAL, SCHEDULE_STEP,
} from "../src/abi";
import { f32At, i32At } from "./records";

/**
 * The rate of the next step of the run, in the epoch with index `epoch` of this fit. Inlined into
 * the training loop, where a tiny network trains a row in a few dozen nanoseconds: a constant rate
 * costs a load and a test, and only a schedule makes a call (which, exported, stays out of the loop).
 */
@inline export function scheduledRate(run: usize, epoch: i32): f32 {
  const kind = i32At(run, RUN_SCHEDULE);
  if (kind == SCHEDULE_CONSTANT) return f32At(run, RUN_LEARNING_RATE);
  return learningRateAt(
    kind, f32At(run, RUN_LEARNING_RATE), i32At(run, RUN_SCHEDULE_PERIOD), f32At(run, RUN_SCHEDULE_FACTOR),
    i32At(run, RUN_SCHEDULE_WARMUP), i32At(run, RUN_SCHEDULE_STAIRCASE) != 0,
    i32At(run, RUN_STEP), i32At(run, RUN_EPOCHS_BEFORE) + epoch,
  );
}

/**
 * The rate of the step with index `step` (steps taken before it) in the epoch with index `epoch`
 * (epochs completed before it), under schedule `kind` from rate `base`: period is the step
 * schedule's epochs or the others' steps, factor its factor, the decay rate or cosine's floor α.
 */
export function learningRateAt(
  kind: i32, base: f32, period: i32, factor: f32, warmup: i32, staircase: bool, step: i32, epoch: i32,
): f32 {
  let scale: f64 = 1;
  if (kind == SCHEDULE_STEP) {
    scale = Math.pow(<f64>factor, <f64>(epoch / period));
  } else if (kind == SCHEDULE_EXPONENTIAL) {
    scale = Math.pow(<f64>factor, staircase ? <f64>(step / period) : <f64>step / <f64>period);
  } else if (kind != SCHEDULE_CONSTANT) {
    if (step < warmup) {
      scale = <f64>(step + 1) / <f64>warmup;
    } else {
      const progress = <f64>min(step - warmup, period) / <f64>period;
      scale = (1 - <f64>factor) * (0.5 * (1 + cosPi(progress))) + <f64>factor;
    }
  }
  return <f32>(<f64>base * scale);
}

// cos(π·p) for p in [0, 1]: cos(x) = −cos(π − x) brings x into [0, π/2], where cos's Taylor series
// to x^20, summed as 1 − x²/(1·2)·(1 − x²/(3·4)·(1 − …)), leaves a remainder below 2e-17, within a
// few units of f64's last place. NativeMath.cos, which reduces any angle, costs 1.5 KB of each build.
function cosPi(p: f64): f64 {
  let x = Math.PI * p;
  let sign: f64 = 1;
  if (x > Math.PI / 2) {
    x = Math.PI - x;
    sign = -1;
  }
  const x2 = x * x;
  let sum: f64 = 1;
  for (let k = 10; k >= 1; k--) sum = 1 - (x2 / <f64>((2 * k - 1) * (2 * k))) * sum;
  return sign * sum;
}
