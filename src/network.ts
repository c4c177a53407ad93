// The public Network: validates every input, then hands the work to its Engine.

import {
  type BackendChoice, BACKENDS, type NetworkConfig, type NetworkSpec, parseNetworkConfig, parseThreads, type ThreadsChoice,
} from './config.js';
import { flatRows, type Matrix, type MatrixInput, NETWORK_INPUTS, readMatrix, type Targets, toForm } from './data.js';
import { readTargets } from './targets.js';
import { Engine, type History } from './engine.js';
import { type EvaluateOptions, type Evaluation, parseEvaluateOptions } from './evaluation.js';
import { describe, SimdnetError } from './errors.js';
import { type FitDatasetOptions, type FitOptions, parseFitOptions } from './fit-options.js';
import type { ImportOptions } from './formats/mlp.js';
import type { TFJSArtifacts, TFJSModelJSON } from './formats/tfjs/artifacts.js';
import { initialWeights } from './init.js';
import { type Dataset, DatasetEpoch } from './training/batches.js';
import { Rng } from './random.js';
import { type LayerWeights, type NetworkJSON, networkToJSON, parseNetworkJSON } from './serialization.js';
import { choice, float32Values, orDefault, plainObject } from './validate.js';
import { Heap, heapFloor, PRIVATE_HEAP_BYTES } from './wasm/heap.js';
import { type Backend, hasKernels, resolveBackend } from './wasm/load.js';
import { availableCores, threadsSupported } from './wasm/pool.js';

/** A layer's parameters as accepted by setWeights; bias is omitted or null for a layer without bias. */
export interface LayerWeightsInput {
  weights: ArrayLike<number>;
  bias?: ArrayLike<number> | null;
}

/** The model-format converters, which the 'simdnet/formats' entry provides when it is imported. */
export interface FormatConverters {
  toONNX(net: Network): Uint8Array;
  fromONNX(bytes: Uint8Array | ArrayBuffer, options?: ImportOptions): Promise<Network>;
  toTFJS(net: Network): TFJSArtifacts;
  fromTFJS(artifacts: TFJSArtifacts | TFJSModelJSON, options?: ImportOptions): Promise<Network>;
}
let converters: FormatConverters | undefined;

/** Makes the Network methods for ONNX and TensorFlow.js work: called by 'simdnet/formats' as it loads. */
export function registerFormats(formats: FormatConverters): void {
  converters = formats;
}

function formats(method: string): FormatConverters {
  if (converters) return converters;
  throw new SimdnetError(
    `${method} needs the model-format converters: import 'simdnet/formats' once (a separate entry, so that ` +
      'bundles without it stay small), or call its functions directly',
  );
}

// A network collected without dispose() returns its memory to the shared heap all the same.
const unreachable = new FinalizationRegistry<Engine>((engine) => engine.dispose());

/** The engine behind a network, for the library's own tools (gradientCheck); throws once disposed. */
export function engineOf(net: Network): Engine {
  const engine = engineField(net);
  if (engine) return engine;
  throw new SimdnetError(engine === null ? `expected a Network, got ${describe(net)}` : 'this network has been disposed');
}
// Network's static block sets it: a read of the private field from outside the class (null: not a Network).
let engineField: (net: Network) => Engine | undefined | null;

// Only this module holds it, so `new Network()` from plain JavaScript, which TypeScript's
// private constructor cannot stop, fails at once rather than at the first call.
const CONSTRUCTING = Symbol('Network.create');

export class Network {
  readonly #spec: NetworkSpec;
  readonly #rng: Rng;
  #isFitting = false;
  /** The engine until dispose; the one-row calls read it here, where a call to engineOf would show. */
  #engine: Engine | undefined;

  static {
    engineField = (net) => (typeof net === 'object' && net !== null && #engine in net ? net.#engine : null);
  }

  private constructor(token: typeof CONSTRUCTING, engine: Engine, rng: Rng) {
    if (token !== CONSTRUCTING) {
      throw new SimdnetError('new Network() cannot build a network: use await Network.create(config), or await Network.fromJSON(json) for a saved one');
    }
    this.#spec = engine.spec;
    this.#rng = rng;
    this.#engine = engine;
    unreachable.register(this, engine, this);
  }

  /** Builds a network with freshly initialised weights (seeded by config.seed). */
  static async create(config: NetworkConfig): Promise<Network> {
    const spec = parseNetworkConfig(config);
    const net = await Network.#instantiate(spec);
    spec.layers.forEach((layer, l) => net.#writeLayer(l, initialWeights(layer, spec.init, net.#rng), null));
    return net;
  }

  /** Rebuilds a network from toJSON's output (an object or its JSON text), validating all of it. */
  static async fromJSON(
    json: NetworkJSON | string,
    options: { backend?: BackendChoice; threads?: ThreadsChoice } = {},
  ): Promise<Network> {
    const { config, weights } = parseNetworkJSON(json);
    const o = plainObject(options, 'fromJSON options', ['backend', 'threads']);
    const backend = orDefault(o.backend, 'auto' as BackendChoice, (v) => choice(v, 'backend', BACKENDS));
    const spec = parseNetworkConfig({ ...config, backend, threads: parseThreads(o.threads, 'threads') });
    const net = await Network.#instantiate(spec);
    weights.forEach((layer, l) => net.#writeLayer(l, layer.weights, layer.bias));
    return net;
  }

  static async #instantiate(spec: NetworkSpec): Promise<Network> {
    const backend = resolveBackend(spec.backend);
    let threads = resolveThreads(spec, backend);
    let heap: Heap | undefined;
    if (threads > 1) {
      heap = await Heap.threaded().catch((error: unknown) => {
        // 'auto' settles for one thread where the threaded build cannot be had (a bundle without
        // its file, say); asked for by number, threads that cannot run are an error.
        if (spec.threads !== 'auto') throw error;
        return undefined;
      });
      if (heap) await heap.pool!.retain(threads);
      else threads = 1;
    }
    if (!heap) {
      let parameterBytes = 0;
      for (const l of spec.layers) parameterBytes += (l.inputs + 1) * l.units * 4;
      heap = heapFloor.bytes > 0 || parameterBytes > PRIVATE_HEAP_BYTES
        ? await Heap.create(backend, heapFloor.bytes)
        : await Heap.shared(backend);
    }
    try {
      return new Network(CONSTRUCTING, new Engine(heap, spec, threads), Rng.fromSeed(spec.seed));
    } catch (error) {
      if (threads > 1) heap.pool!.release();
      throw error;
    }
  }

  /** Which wasm build runs this network. */
  get backend(): Backend {
    return engineOf(this).backend;
  }

  /** Threads its passes are split across: config.threads as resolved here (1 where threads cannot run). */
  get threads(): number {
    return engineOf(this).threads;
  }

  get inputs(): number {
    return this.#spec.inputs;
  }

  get outputs(): number {
    return this.#spec.layers.at(-1)!.units;
  }

  /** The configuration with every default filled in (huberDelta for the Huber loss only). */
  get config(): Required<Omit<NetworkConfig, 'huberDelta'>> & Pick<NetworkConfig, 'huberDelta'> {
    const { inputs, loss, huberDelta, seed, init, backend, threads } = this.#spec;
    const layers = this.#spec.layers.map(({ units, activation, alpha, bias, trainBias, dropout }) => ({
      units,
      activation,
      bias,
      trainBias,
      ...(activation === 'leakyRelu' ? { alpha } : {}),
      ...(dropout > 0 ? { dropout } : {}),
    }));
    return { inputs, layers, loss, ...(loss === 'huber' ? { huberDelta } : {}), seed, init, backend, threads };
  }

  /** Whether dispose() has been called. */
  get disposed(): boolean {
    return this.#engine === undefined;
  }

  /**
   * Trains on rows x with targets y. Resolves with the per-epoch history once the last epoch
   * ends (or the signal aborts, or early stopping ends it). Rejects with a DivergenceError if the
   * loss or a weight stops being finite, after restoring the network to how it was when the
   * failing epoch began; rejects with a callback's error if onEpochEnd or onBatchEnd throws or
   * rejects, leaving the network as the last completed step left it.
   */
  async fit(x: Matrix, y: Targets, options: FitOptions = {}): Promise<History> {
    const engine = engineOf(this);
    this.#checkNotFitting();
    const plan = parseFitOptions(options);
    const [xs, ys] = this.#readPair(x, y);
    const validation = plan.validationData && this.#readPair(...plan.validationData, VALIDATION_NAMES);
    return this.#fitting(() => engine.fit(xs, ys, plan, this.#rng, () => this.disposed, validation));
  }

  /**
   * Trains on the batches a dataset yields, { x, y } or { x, y, sampleWeight } each (an iterable
   * or async iterable of them, or a function that returns a fresh one for each epoch), one
   * optimizer step per batch, with fit's options but batchSize, shuffle, validationSplit and
   * sampleWeight. With the same batches (and weights) in the same order it trains as fit with
   * shuffle: false, bit for bit. A batch may not have more rows than
   * the first. If the dataset throws, or yields a bad batch, fitDataset rejects with that error
   * and the network is left as the batches before it left it, as after a callback's error.
   */
  async fitDataset(dataset: Dataset, options: FitDatasetOptions = {}): Promise<History> {
    const engine = engineOf(this);
    this.#checkNotFitting();
    const plan = parseFitOptions(options, true);
    const validation = plan.validationData && this.#readPair(...plan.validationData, VALIDATION_NAMES);
    const read = (x: unknown, y: unknown, name: string) => this.#readPair(x, y, [`${name}: x`, `${name}: y`]);
    const epoch = (e: number): DatasetEpoch => new DatasetEpoch(dataset, e, read);
    return this.#fitting(() => engine.fitDataset(epoch, plan, this.#rng, () => this.disposed, validation));
  }

  #checkNotFitting(): void {
    if (this.#isFitting) throw new SimdnetError('fit is already running on this network; await it before starting another');
  }

  async #fitting(run: () => Promise<History>): Promise<History> {
    this.#isFitting = true;
    try {
      return await run();
    } finally {
      this.#isFitting = false;
    }
  }

  /** The network's outputs for each row of x, in the form x was given. */
  predict(x: readonly (readonly number[])[]): number[][];
  predict(x: Float32Array): Float32Array;
  predict(x: Float64Array): Float64Array;
  predict(x: readonly number[]): number[];
  predict(x: Matrix): Matrix;
  predict(x: Matrix): Matrix {
    const engine = this.#engine ?? engineOf(this);
    // One row, the call per frame: the shortest way, in a method small enough to be inlined.
    if (x instanceof Float32Array && x.length === engine.inputs) {
      const row = new Float32Array(engine.outputs);
      engine.predictRow(x, row, 'predict');
      return row;
    }
    return this.#predictRows(x, engine);
  }

  #predictRows(x: Matrix, engine: Engine): Matrix {
    if (x instanceof Float32Array) {
      const out = new Float32Array(flatRows(x.length, 'x', engine.inputs, NETWORK_INPUTS) * engine.outputs);
      engine.predictInto(x, out, 'predict');
      return out;
    }
    const xs = readMatrix(x, 'x', engine.inputs, NETWORK_INPUTS);
    return toForm(engine.predict(xs), xs.rows, engine.outputs, xs.form);
  }

  /**
   * Writes the outputs of the rows of x to out (rows × outputs, row-major) and returns out: predict
   * without allocating an answer, for a call per frame. out may be x itself, or overlap it.
   */
  predictInto(x: Float32Array, out: Float32Array): Float32Array {
    const engine = this.#engine ?? engineOf(this);
    // One row, the call per frame, checked in a few comparisons.
    if (x instanceof Float32Array && x.length === engine.inputs && out instanceof Float32Array && out.length === engine.outputs) {
      engine.predictRow(x, out, 'predictInto');
      return out;
    }
    return this.#predictRowsInto(x, out, engine);
  }

  #predictRowsInto(x: Float32Array, out: Float32Array, engine: Engine): Float32Array {
    if (!(x instanceof Float32Array)) throw new SimdnetError(`predictInto: x must be a Float32Array, got ${describe(x)}`);
    const rows = flatRows(x.length, 'x', engine.inputs, NETWORK_INPUTS);
    const length = rows * engine.outputs;
    if (!(out instanceof Float32Array) || out.length !== length) {
      throw new SimdnetError(
        `predictInto: out must be a Float32Array of ${length} values (${rows} rows × ${engine.outputs} outputs), ` +
          `got ${out instanceof Float32Array ? `one of ${out.length}` : describe(out)}`,
      );
    }
    engine.predictInto(x, out, 'predictInto');
    return out;
  }

  /**
   * Mean loss over the rows (without the L2 term), accuracy for classification outputs, and the
   * metrics that options.metrics names.
   */
  evaluate(x: Matrix, y: Targets, options: EvaluateOptions = {}): Evaluation {
    const engine = engineOf(this);
    const metrics = parseEvaluateOptions(options, this.#spec);
    return engine.evaluate(...this.#readPair(x, y), metrics);
  }

  // x and y (named as given) read as matrices of equal row counts.
  #readPair(x: unknown, y: unknown, [xName, yName]: readonly [string, string] = ['x', 'y']): [MatrixInput, MatrixInput] {
    const xs = readMatrix(x, xName, this.inputs, NETWORK_INPUTS);
    return [xs, readTargets(y, yName, xs, xName, this.outputs, this.#spec.loss)];
  }

  /** Copies of every layer's parameters: weights (inputs × units, row-major) and bias (or null). */
  getWeights(): LayerWeights[] {
    return engineOf(this).readWeights();
  }

  /** Replaces every layer's parameters (and restarts the optimizer state); nothing changes unless all are valid. */
  setWeights(layers: readonly LayerWeightsInput[]): void {
    engineOf(this);
    if (this.#isFitting) throw new SimdnetError('setWeights cannot run while fit is running on this network; await fit first');
    if (!Array.isArray(layers) || layers.length !== this.#spec.layers.length) {
      throw new SimdnetError(`setWeights needs an array of ${this.#spec.layers.length} layers, got ${describe(layers)}`);
    }
    const checked = layers.map((layer, l) => {
      const spec = this.#spec.layers[l]!;
      const o = plainObject(layer, `setWeights: layers[${l}]`, ['weights', 'bias']);
      const weights = float32Values(o.weights, `setWeights: layers[${l}].weights`, spec.inputs * spec.units);
      if (!spec.bias && o.bias != null) {
        throw new SimdnetError(`setWeights: layers[${l}] has no bias, so its bias must be null or omitted`);
      }
      const bias = spec.bias ? float32Values(o.bias, `setWeights: layers[${l}].bias`, spec.units) : null;
      return { weights, bias };
    });
    checked.forEach(({ weights, bias }, l) => this.#writeLayer(l, weights, bias));
    engineOf(this).resetOptimizer();
  }

  /** The network as an ONNX model (see 'simdnet/formats' toONNX); needs that entry imported. */
  toONNX(): Uint8Array {
    return formats('net.toONNX()').toONNX(this);
  }

  /** The network as TensorFlow.js model artifacts (see 'simdnet/formats' toTFJS); needs that entry imported. */
  toTFJS(): TFJSArtifacts {
    return formats('net.toTFJS()').toTFJS(this);
  }

  /** A network from an ONNX model (see 'simdnet/formats' fromONNX); needs that entry imported. */
  static fromONNX(bytes: Uint8Array | ArrayBuffer, options?: ImportOptions): Promise<Network> {
    return formats('Network.fromONNX()').fromONNX(bytes, options);
  }

  /** A network from TensorFlow.js model artifacts (see 'simdnet/formats' fromTFJS); needs that entry imported. */
  static fromTFJS(artifacts: TFJSArtifacts | TFJSModelJSON, options?: ImportOptions): Promise<Network> {
    return formats('Network.fromTFJS()').fromTFJS(artifacts, options);
  }

  /** The network as versioned plain JSON: configuration and exact float32 weights. */
  toJSON(): NetworkJSON {
    engineOf(this);
    return networkToJSON(this.#spec, this.getWeights());
  }

  /** Releases the network's wasm memory. Any later call throws; calling dispose again does nothing. */
  dispose(): void {
    const engine = this.#engine;
    if (!engine) return;
    this.#engine = undefined;
    unreachable.unregister(this);
    engine.dispose();
  }

  #writeLayer(l: number, weights: ArrayLike<number>, bias: ArrayLike<number> | null): void {
    engineOf(this).writeLayer(l, weights, bias);
  }
}

const VALIDATION_NAMES = ['validationData[0]', 'validationData[1]'] as const;

/** Multiply-adds per row under which 'auto' keeps a network on one thread: its passes are too short to split. */
const AUTO_THREADS_MIN_WORK = 1 << 15;

// The threads a network runs on: its setting, as this environment and its build allow.
function resolveThreads(spec: NetworkSpec, backend: Backend): number {
  let work = 0;
  for (const l of spec.layers) work += l.inputs * l.units;
  const wanted = spec.threads === 'auto' ? (work >= AUTO_THREADS_MIN_WORK ? availableCores() : 1) : spec.threads;
  if (wanted <= 1) return 1;
  if (backend !== 'simd') {
    if (spec.threads === 'auto') return 1;
    throw new SimdnetError(
      `config.threads ${spec.threads} needs the SIMD build, but this network runs on the ${backend} build; ` +
        "use backend 'auto' or 'simd', or threads 1",
    );
  }
  return threadsSupported() && hasKernels('threads') ? wanted : 1;
}
