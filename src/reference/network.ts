// A float64 multilayer perceptron that follows docs/conventions.md literally:
// the reference the wasm engine is tested against, and the source of the
// numerical gradients of gradientCheck.

import type { LayerSpec, Loss } from '../config.js';
import type { Rng } from '../random.js';
import {
  activate,
  activationBackward,
  lossGradient,
  lossSum,
  matmul,
  matmulTransA,
  matmulTransB,
  type OptimizerState,
  optimizerStep,
  type ReferenceOptimizer,
  type Vector,
} from './ops.js';

/** One layer's parameters in float64; bias is null for a layer without bias. */
export interface ReferenceParams {
  weights: Vector;
  bias: Vector | null;
}

export interface ReferenceFitOptions {
  epochs: number;
  batchSize: number;
  optimizer: ReferenceOptimizer;
  l2?: number;
  /** Shuffles the row order at the start of every epoch, as the engine does with the same Rng. */
  rng?: Rng;
}

export class ReferenceNetwork {
  readonly params: ReferenceParams[];

  constructor(
    readonly layers: readonly LayerSpec[],
    readonly loss: Loss,
    params: readonly { weights: ArrayLike<number>; bias: ArrayLike<number> | null }[],
  ) {
    this.params = params.map((p) => ({ weights: Float64Array.from(p.weights), bias: p.bias ? Float64Array.from(p.bias) : null }));
  }

  /** Pre-activations Z and activations A of every layer for m rows of x. */
  forward(x: ArrayLike<number>, m: number): { z: Vector[]; a: Vector[] } {
    const z: Vector[] = [];
    const a: Vector[] = [];
    let input = x;
    this.layers.forEach((layer, l) => {
      const { weights, bias } = this.params[l]!;
      const zl = matmul(input, weights, m, layer.inputs, layer.units);
      if (bias) for (let i = 0; i < zl.length; i++) zl[i]! += bias[i % layer.units]!;
      const al = activate(zl, m, layer.units, layer.activation, layer.alpha);
      z.push(zl);
      a.push(al);
      input = al;
    });
    return { z, a };
  }

  /** Outputs for m rows of x. */
  predict(x: ArrayLike<number>, m: number): Vector {
    return this.forward(x, m).a.at(-1)!;
  }

  /** J = (Σ_rows Σ_units loss + (λ/2)·Σ w²) / m, biases excluded from the penalty. */
  objective(x: ArrayLike<number>, y: ArrayLike<number>, m: number, l2 = 0): number {
    const penalty = this.params.reduce((s, p) => s + p.weights.reduce((t, w) => t + w * w, 0), 0);
    return (lossSum(this.predict(x, m), y, this.loss) + (l2 / 2) * penalty) / m;
  }

  /** ∂J/∂θ by backpropagation with the full chain rule; frozen biases get a zero gradient. */
  gradient(x: ArrayLike<number>, y: ArrayLike<number>, m: number, l2 = 0): ReferenceParams[] {
    const { z, a } = this.forward(x, m);
    const grads: ReferenceParams[] = [];
    const last = this.layers.length - 1;
    let delta = activationBackward(
      lossGradient(a[last]!, y, this.loss), z[last]!, m, this.layers[last]!.units,
      this.layers[last]!.activation, this.layers[last]!.alpha,
    );
    for (let l = last; l >= 0; l--) {
      const layer = this.layers[l]!;
      const input = l > 0 ? a[l - 1]! : x;
      const weights = matmulTransA(input, delta, m, layer.inputs, layer.units).map(
        (g, i) => g / m + (l2 / m) * this.params[l]!.weights[i]!,
      );
      let bias: Vector | null = null;
      if (layer.bias) {
        bias = new Float64Array(layer.units);
        if (layer.trainBias) for (let i = 0; i < m * layer.units; i++) bias[i % layer.units]! += delta[i]! / m;
      }
      grads[l] = { weights, bias };
      if (l > 0) {
        const below = this.layers[l - 1]!;
        const upstream = matmulTransB(delta, this.params[l]!.weights, m, layer.units, layer.inputs);
        delta = activationBackward(upstream, z[l - 1]!, m, below.units, below.activation, below.alpha);
      }
    }
    return grads;
  }

  /** ∂J/∂θ of every parameter, frozen biases included, by central differences with step h. */
  numericalGradient(x: ArrayLike<number>, y: ArrayLike<number>, m: number, l2 = 0, h = 1e-6): ReferenceParams[] {
    const slope = (values: Vector, i: number): number => {
      const saved = values[i]!;
      values[i] = saved + h;
      const up = this.objective(x, y, m, l2);
      values[i] = saved - h;
      const down = this.objective(x, y, m, l2);
      values[i] = saved;
      return (up - down) / (2 * h);
    };
    return this.params.map(({ weights, bias }) => ({
      weights: weights.map((_, i) => slope(weights, i)),
      bias: bias ? bias.map((_, i) => slope(bias, i)) : null,
    }));
  }

  /** Trains on rows×inputs x with targets y exactly as Network.fit does, without validation rows. */
  fit(x: ArrayLike<number>, y: ArrayLike<number>, rows: number, options: ReferenceFitOptions): void {
    const { epochs, batchSize, optimizer, l2 = 0, rng } = options;
    const inputs = this.layers[0]!.inputs;
    const units = this.layers.at(-1)!.units;
    const states = this.params.map((p) => [p.weights, p.bias].map((t) => (t ? newState(t.length) : null)));
    let step = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = Array.from({ length: rows }, (_, r) => r);
      rng?.shuffle(order);
      for (let start = 0; start < rows; start += batchSize) {
        const batch = order.slice(start, start + batchSize);
        const xb = batch.flatMap((r) => Array.from({ length: inputs }, (_, j) => x[r * inputs + j]!));
        const yb = batch.flatMap((r) => Array.from({ length: units }, (_, j) => y[r * units + j]!));
        const grads = this.gradient(xb, yb, batch.length, l2);
        step++;
        this.params.forEach((p, l) => {
          optimizerStep(p.weights, grads[l]!.weights, states[l]![0]!, optimizer, step);
          if (p.bias) optimizerStep(p.bias, grads[l]!.bias!, states[l]![1]!, optimizer, step);
        });
      }
    }
  }
}

function newState(length: number): OptimizerState {
  return { velocity: new Float64Array(length), m: new Float64Array(length), v: new Float64Array(length) };
}
