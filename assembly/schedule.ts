// The learning rate of each step, from the base rate and the schedule that the
// run record describes (src/abi.ts SCHEDULE_*). Worked out in f64 from the f32
// settings and rounded once to f32, the precision the updates use, so it agrees
// with the float64 reference (src/reference/schedule.ts) to that rounding. It
// runs on the calling thread, once a step, so every build gets the same bits.

import {
  RUN_EPOCHS_BEFORE, RUN_LEARNING_RATE, RUN_SCHEDULE, RUN_SCHEDULE_FACTOR, RUN_SCHEDULE_PERIOD, RUN_SCHEDULE_STAIRCASE,
  RUN_SCHEDULE_WARMUP, RUN_STEP, SCHEDULE_CONSTANT, SCHEDULE_EXPONENTIAL, SCHEDULE_STEP,
} from "../src/abi";
import { f32At, i32At } from "./records";

/**
 * The rate of the next step in the epoch with index `epoch` of the run (epochs completed before
 * it in this fit). Inlined into the training loop, where a tiny network trains a row in a few
 * dozen nanoseconds: the constant rate costs one load, and only a schedule makes a call.
 */
@inline export function scheduledRate(run: usize, epoch: i32): f32 {
  if (i32At(run, RUN_SCHEDULE) == SCHEDULE_CONSTANT) return f32At(run, RUN_LEARNING_RATE);
  return decayedRate(run, i32At(run, RUN_STEP), i32At(run, RUN_EPOCHS_BEFORE) + epoch);
}

/**
 * The scheduled rate of the step with index `step` (steps taken before it) in the epoch with
 * index `epoch` (epochs completed before it), both counted over the fits a run continues.
 */
function decayedRate(run: usize, step: i32, epoch: i32): f32 {
  const base = f32At(run, RUN_LEARNING_RATE);
  const kind = i32At(run, RUN_SCHEDULE);
  const period = i32At(run, RUN_SCHEDULE_PERIOD);
  const factor = <f64>f32At(run, RUN_SCHEDULE_FACTOR);
  let scale: f64;
  if (kind == SCHEDULE_STEP) {
    scale = Math.pow(factor, <f64>(epoch / period));
  } else if (kind == SCHEDULE_EXPONENTIAL) {
    const periods = i32At(run, RUN_SCHEDULE_STAIRCASE) ? <f64>(step / period) : <f64>step / <f64>period;
    scale = Math.pow(factor, periods);
  } else {
    const warmup = i32At(run, RUN_SCHEDULE_WARMUP);
    if (step < warmup) {
      scale = <f64>(step + 1) / <f64>warmup;
    } else {
      const progress = <f64>min(step - warmup, period) / <f64>period;
      scale = (1 - factor) * (0.5 * (1 + Math.cos(Math.PI * progress))) + factor;
    }
  }
  return <f32>(<f64>base * scale);
}
