// Compares the engine's analytic gradient (wasm, float32) with central
// differences of the float64 reference network built from the same weights.

import { type Matrix, type MatrixInput, readMatrix, type Targets } from './data.js';
import { parseClassWeight } from './fit-options.js';
import { engineOf, type Network } from './network.js';
import { ReferenceNetwork } from './reference/network.js';
import { readTargets } from './targets.js';
import { finite, orDefault, plainObject } from './validate.js';

export interface GradientCheckOptions {
  /** L2 strength λ of the objective checked (default 0). */
  l2?: number;
  /** L1 strength λ1 of the objective checked (default 0). */
  l1?: number;
  /** Central-difference step h (default 1e-6). */
  step?: number;
  /** Largest relative error that passes (default 1e-3, what float32 gradients reach). */
  tolerance?: number;
  /** Row weights, as fit takes them. */
  sampleWeight?: ArrayLike<number>;
  /** Class weights, as fit takes them. */
  classWeight?: Readonly<Record<number, number>> | readonly number[];
}

export interface GradientCheckResult {
  /** relativeError ≤ tolerance. */
  ok: boolean;
  /** ‖analytic − numerical‖ / (‖analytic‖ + ‖numerical‖) over all trainable parameters. */
  relativeError: number;
  /** Largest |analytic − numerical| over all trainable parameters. */
  maxAbsoluteError: number;
  /** Trainable parameters compared (frozen biases are left out). */
  parameters: number;
  /** The relative error of each layer's weights and bias (null: no trainable bias). */
  layers: { weights: number; bias: number | null }[];
}

/**
 * Checks backpropagation on x, y (all rows as one batch): the engine's gradient of
 * J = (Σ w_r·loss + (λ/2)·Σw² + λ1·Σ|w|)/m (w_r the row weights, 1 without any) against float64 central differences of the same J
 * (|w| has no derivative at 0: a weight within the step of 0 would make the differences mislead).
 */
export function gradientCheck(net: Network, x: Matrix, y: Targets, options: GradientCheckOptions = {}): GradientCheckResult {
  const engine = engineOf(net);
  const o = plainObject(options, 'gradientCheck options', ['l2', 'l1', 'step', 'tolerance', 'sampleWeight', 'classWeight']);
  const l2 = orDefault(o.l2, 0, (v) => finite(v, 'l2', { min: 0, float32: true }));
  const l1 = orDefault(o.l1, 0, (v) => finite(v, 'l1', { min: 0, float32: true }));
  const step = orDefault(o.step, 1e-6, (v) => finite(v, 'step', { min: 0, openMin: true }));
  const tolerance = orDefault(o.tolerance, 1e-3, (v) => finite(v, 'tolerance', { min: 0 }));
  const xs = readMatrix(x, 'x', net.inputs, "the network's inputs");
  const ys = readTargets(y, 'y', xs, 'x', net.outputs, engine.spec.loss);

  const weighting = engine.rowWeighting(o.sampleWeight, parseClassWeight(o.classWeight), xs.rows);
  const { grads, rowWeights } = engine.gradient(xs, ys, l2, l1, weighting);
  const reference = new ReferenceNetwork(engine.spec.layers, engine.spec.loss, net.getWeights(), engine.spec.huberDelta);
  const numerical = reference.numericalGradient(asFloat64(xs), asFloat64(ys), xs.rows, { l2, l1, sampleWeight: rowWeights }, step);

  let diff2 = 0;
  let analytic2 = 0;
  let numerical2 = 0;
  let maxAbsoluteError = 0;
  let parameters = 0;
  const compare = (analytic: Float32Array, numeric: Float64Array): number => {
    let d2 = 0;
    let a2 = 0;
    let n2 = 0;
    analytic.forEach((a, i) => {
      const n = numeric[i]!;
      d2 += (a - n) ** 2;
      a2 += a * a;
      n2 += n * n;
      maxAbsoluteError = Math.max(maxAbsoluteError, Math.abs(a - n));
    });
    diff2 += d2;
    analytic2 += a2;
    numerical2 += n2;
    parameters += analytic.length;
    return relative(d2, a2, n2);
  };
  const layers = engine.spec.layers.map((layer, l) => ({
    weights: compare(grads[l]!.weights, numerical[l]!.weights),
    bias: layer.trainBias ? compare(grads[l]!.bias!, numerical[l]!.bias!) : null,
  }));
  const relativeError = relative(diff2, analytic2, numerical2);
  return { ok: relativeError <= tolerance, relativeError, maxAbsoluteError, parameters, layers };
}

// ‖a − n‖ / (‖a‖ + ‖n‖) from the squared norms; 0 when both gradients are zero.
function relative(diff2: number, a2: number, n2: number): number {
  const scale = Math.sqrt(a2) + Math.sqrt(n2);
  return scale === 0 ? 0 : Math.sqrt(diff2) / scale;
}

// The values exactly as the engine sees them: rounded to float32.
function asFloat64(m: MatrixInput): Float64Array {
  const staged = new Float32Array(m.rows * m.width);
  m.copyTo(staged, 0);
  return Float64Array.from(staged);
}
