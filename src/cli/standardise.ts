// Standardisation of columns to mean 0 and standard deviation 1, fitted on
// the training rows and saved with the model so predictions scale inputs alike.

/** A column's shift and scale: standardised = (raw − mean) / std. */
export interface Scaling {
  mean: number;
  std: number;
}

/**
 * Each column's mean and (population) standard deviation; a column that is constant (in
 * float32, where a model file's std must be positive) gets std 1.
 */
export function fitScaling(x: Float32Array, rows: number, width: number): Scaling[] {
  return Array.from({ length: width }, (_, j) => {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += x[r * width + j]!;
    const mean = sum / rows;
    let squares = 0;
    for (let r = 0; r < rows; r++) squares += (x[r * width + j]! - mean) ** 2;
    const std = Math.sqrt(squares / rows);
    return { mean, std: Math.fround(std) > 0 && Number.isFinite(std) ? std : 1 };
  });
}

/** Standardises a flat row-major matrix in place. */
export function standardise(x: Float32Array, scaling: readonly Scaling[]): Float32Array {
  const width = scaling.length;
  for (let i = 0; i < x.length; i++) {
    const { mean, std } = scaling[i % width]!;
    x[i] = (x[i]! - mean) / std;
  }
  return x;
}

/** Undoes standardise in place. */
export function unstandardise(x: Float32Array, scaling: readonly Scaling[]): Float32Array {
  const width = scaling.length;
  for (let i = 0; i < x.length; i++) {
    const { mean, std } = scaling[i % width]!;
    x[i] = x[i]! * std + mean;
  }
  return x;
}
