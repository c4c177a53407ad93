// A float64 multilayer perceptron that follows docs/conventions.md literally:
// the reference the wasm engine is tested against, and the source of the
// numerical gradients of gradientCheck.

import { type LayerSpec, type Loss, takesClassIndices } from '../config.js';
import type { Rng } from '../random.js';
import {
  activate,
  activationBackward,
  initialState,
  lossGradient,
  lossSum,
  matmul,
  oneHot,
  matmulTransA,
  matmulTransB,
  optimizerStep,
  type ReferenceOptimizer,
  type Vector,
} from './ops.js';

/** One layer's parameters in float64; bias is null for a layer without bias. */
export interface ReferenceParams {
  weights: Vector;
  bias: Vector | null;
}

/**
 * The terms of the objective beside the loss: (λ2/2)·Σw² + λ1·Σ|w| over the weights, not the
 * biases, and a weight per row that multiplies that row's loss.
 */
export interface Penalty {
  l2?: number;
  l1?: number;
  sampleWeight?: ArrayLike<number>;
}

export interface ReferenceFitOptions extends Penalty {
  epochs: number;
  batchSize: number;
  optimizer: ReferenceOptimizer;
  /** The rate of each step, given the steps and the epochs before it (default: optimizer.learningRate). */
  learningRate?: (step: number, epoch: number) => number;
  /** Scales each batch's gradient, all tensors together, to an L2 norm of at most this. */
  clipNorm?: number;
  /** Clips each element of each batch's gradient into [−clipValue, clipValue]. */
  clipValue?: number;
  /** Shuffles the row order at the start of every epoch, as the engine does with the same Rng. */
  rng?: Rng;
}

export class ReferenceNetwork {
  readonly params: ReferenceParams[];

  constructor(
    readonly layers: readonly LayerSpec[],
    readonly loss: Loss,
    params: readonly { weights: ArrayLike<number>; bias: ArrayLike<number> | null }[],
    /** δ of the Huber loss. */
    readonly huberDelta = 1,
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

  /**
   * J = (Σ_rows w_r·Σ_units loss + (λ2/2)·Σ w² + λ1·Σ|w|) / m, biases excluded from the penalty,
   * w_r = 1 without sampleWeight. For the sparse loss, y holds one class index per row.
   */
  objective(x: ArrayLike<number>, y: ArrayLike<number>, m: number, { l2 = 0, l1 = 0, sampleWeight }: Penalty = {}): number {
    let squares = 0;
    let absolutes = 0;
    for (const { weights } of this.params) {
      for (const w of weights) {
        squares += w * w;
        absolutes += Math.abs(w);
      }
    }
    const a = this.predict(x, m);
    const targets = this.#targetRows(y, m);
    const units = a.length / m;
    let loss = 0;
    for (let r = 0; r < m; r++) {
      const row = lossSum(a.subarray(r * units, (r + 1) * units), targets.subarray(r * units, (r + 1) * units), this.loss, this.huberDelta);
      loss += (sampleWeight ? sampleWeight[r]! : 1) * row;
    }
    return (loss + (l2 / 2) * squares + l1 * absolutes) / m;
  }

  // The targets as rows of the output's width: one-hot rows for class indices.
  #targetRows(y: ArrayLike<number>, m: number): Vector {
    const units = this.layers.at(-1)!.units;
    return takesClassIndices(this.loss) ? oneHot(y, units) : Float64Array.from({ length: m * units }, (_, i) => y[i]!);
  }

  /**
   * ∂J/∂θ by backpropagation with the full chain rule; frozen biases get a zero gradient, and
   * |w| the subgradient sign(w), 0 at 0.
   */
  gradient(x: ArrayLike<number>, y: ArrayLike<number>, m: number, { l2 = 0, l1 = 0, sampleWeight }: Penalty = {}): ReferenceParams[] {
    const { z, a } = this.forward(x, m);
    const grads: ReferenceParams[] = [];
    const last = this.layers.length - 1;
    const units = this.layers[last]!.units;
    const g = lossGradient(a[last]!, this.#targetRows(y, m), this.loss, this.huberDelta);
    if (sampleWeight) for (let i = 0; i < g.length; i++) g[i]! *= sampleWeight[Math.floor(i / units)]!;
    let delta = activationBackward(g, z[last]!, m, units, this.layers[last]!.activation, this.layers[last]!.alpha);
    for (let l = last; l >= 0; l--) {
      const layer = this.layers[l]!;
      const input = l > 0 ? a[l - 1]! : x;
      const weights = matmulTransA(input, delta, m, layer.inputs, layer.units).map((g, i) => {
        const w = this.params[l]!.weights[i]!;
        return g / m + (l2 / m) * w + (l1 / m) * Math.sign(w);
      });
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
  numericalGradient(x: ArrayLike<number>, y: ArrayLike<number>, m: number, penalty: Penalty = {}, h = 1e-6): ReferenceParams[] {
    const slope = (values: Vector, i: number): number => {
      const saved = values[i]!;
      values[i] = saved + h;
      const up = this.objective(x, y, m, penalty);
      values[i] = saved - h;
      const down = this.objective(x, y, m, penalty);
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
    const { epochs, batchSize, optimizer, rng } = options;
    const rate = options.learningRate ?? (() => optimizer.learningRate);
    const inputs = this.layers[0]!.inputs;
    const width = takesClassIndices(this.loss) ? 1 : this.layers.at(-1)!.units;
    const { sampleWeight } = options;
    // Frozen biases are not trained: no step reaches them (AdamW's decay included).
    const trained = this.params.flatMap((p, l) => (p.bias && this.layers[l]!.trainBias ? [p.weights, p.bias] : [p.weights]));
    const states = trained.map((t) => initialState(t.length, optimizer));
    let step = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = Array.from({ length: rows }, (_, r) => r);
      rng?.shuffle(order);
      for (let start = 0; start < rows; start += batchSize) {
        const batch = order.slice(start, start + batchSize);
        const xb = batch.flatMap((r) => Array.from({ length: inputs }, (_, j) => x[r * inputs + j]!));
        const yb = batch.flatMap((r) => Array.from({ length: width }, (_, j) => y[r * width + j]!));
        const wb = sampleWeight && batch.map((r) => sampleWeight[r]!);
        const grads = this.gradient(xb, yb, batch.length, { ...options, sampleWeight: wb }).flatMap((g, l) =>
          g.bias && this.layers[l]!.trainBias ? [g.weights, g.bias] : [g.weights]);
        clip(grads, options);
        const lr = rate(step, epoch);
        step++;
        trained.forEach((t, i) => optimizerStep(t, grads[i]!, states[i]!, optimizer, step, lr));
      }
    }
  }
}

// Keras's clipvalue (each element into [−c, c]), or a global norm as PyTorch's clip_grad_norm_
// and Keras's global_clipnorm take it: every gradient times c/‖g‖ when ‖g‖ > c.
function clip(grads: Vector[], { clipNorm, clipValue }: ReferenceFitOptions): void {
  if (clipValue !== undefined) for (const g of grads) g.forEach((gi, i) => (g[i] = Math.min(Math.max(gi, -clipValue), clipValue)));
  if (clipNorm === undefined) return;
  const norm = Math.sqrt(grads.reduce((sum, g) => sum + g.reduce((s, gi) => s + gi * gi, 0), 0));
  if (norm > clipNorm) for (const g of grads) g.forEach((gi, i) => (g[i] = gi * (clipNorm / norm)));
}
