/** The error simdnet throws for bad input: the message names the option, row or field at fault. */
export class SimdnetError extends Error {
  override name = 'SimdnetError';
}

/**
 * fit stopped because the training objective or a parameter stopped being finite.
 * The network holds the parameters it had before the chunk of batches that failed.
 */
export class DivergenceError extends SimdnetError {
  override name = 'DivergenceError';

  constructor(
    /** The epoch (from 1) in which the objective stopped being finite. */
    readonly epoch: number,
    /** The learning rate of the failed run. */
    readonly learningRate: number,
  ) {
    super(
      `training diverged in epoch ${epoch}: the loss or a weight became NaN or Infinity ` +
        `(learning rate ${learningRate}); the weights from before the failing chunk were restored. ` +
        `Try a smaller learning rate or standardised inputs.`,
    );
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
