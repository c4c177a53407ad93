import type { History } from './engine.js';

/** The error simdnet throws for bad input: the message names the option, row or field at fault. */
export class SimdnetError extends Error {
  override name = 'SimdnetError';
}

/**
 * What stopped being finite: a batch's loss (measured before its update), a weight or bias at an
 * epoch's end, the validation loss after it, or the loss of the final weights on the first batch
 * of training rows.
 */
export type DivergenceReason = 'loss' | 'parameters' | 'validationLoss' | 'finalLoss';

/**
 * fit stopped because the training objective, a parameter or the validation loss stopped being
 * finite. The network is left as it was when an epoch of the fit began, with the generator that
 * shuffles: the epoch in which training diverged, or the one before it when the first batch of
 * that epoch failed (the weights it began with are then known to be bad). What is restored
 * depends only on the seed, the data and the settings.
 */
export class DivergenceError extends SimdnetError {
  override name = 'DivergenceError';
  /** The epoch of the fit (from 1) in which training diverged. */
  readonly epoch: number;
  /** The batch of that epoch (from 1) whose loss, or whose update, was found not finite. */
  readonly batch: number;
  readonly reason: DivergenceReason;
  /** The epoch (from 1) whose starting weights the network now holds. */
  readonly restoredEpoch: number;
  /** The learning rate of the step that failed (or, found at an epoch's end, of that epoch's last step). */
  readonly learningRate: number;
  /** The epochs before restoredEpoch, which the restored network has been trained for. */
  readonly history: History;

  constructor(d: { epoch: number; batch: number; reason: DivergenceReason; restoredEpoch: number; learningRate: number; history: History }) {
    const what = {
      loss: `in epoch ${d.epoch}, batch ${d.batch}: the loss became NaN or Infinity`,
      parameters: `in epoch ${d.epoch}: a weight or bias became NaN or Infinity (found after batch ${d.batch})`,
      validationLoss: `in epoch ${d.epoch}: the validation loss after it was NaN or Infinity`,
      finalLoss: `in epoch ${d.epoch}: after batch ${d.batch} the loss on the first training rows was NaN or Infinity`,
    }[d.reason];
    super(
      `training diverged ${what} (learning rate ${d.learningRate}); the weights were restored to what they were ` +
        `when epoch ${d.restoredEpoch} began. Try a smaller learning rate or standardised inputs.`,
    );
    this.epoch = d.epoch;
    this.batch = d.batch;
    this.reason = d.reason;
    this.restoredEpoch = d.restoredEpoch;
    this.learningRate = d.learningRate;
    this.history = d.history;
  }
}

/** predict or evaluate met outputs that are NaN or ±Infinity: the weights or the inputs overflow float32. */
export class NonFiniteOutputError extends SimdnetError {
  override name = 'NonFiniteOutputError';

  constructor(
    message: string,
    /** The first row (from 0) whose outputs are not finite, where the call can tell. */
    readonly row: number | null,
  ) {
    super(message);
  }
}

/** Formats a list of allowed names for an error message: 'a', 'b' or 'c'. */
export function oneOf(names: readonly string[]): string {
  const quoted = names.map((n) => `'${n}'`);
  return quoted.length < 2 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

/** Describes a value for an error message without dumping large objects. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
