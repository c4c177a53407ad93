// The wasm-facing half of a network: stages data into its arena (whole, or
// beyond the staging budget a window or a batch at a time), writes the run
// record, and calls the kernels — once per chunk of batches when training
// (once per batch when staging batch by batch), once per window when
// predicting or evaluating.

import * as abi from './abi.js';
import { ACC_BINARY, ACC_NONE } from './abi.js';
import { Arena, index32, index64, type RowBuffers, type Workspace, type WorkspaceRequest } from './arena.js';
import { accuracyMode, type NetworkSpec, takesClassIndices } from './config.js';
import { type MatrixInput, NETWORK_INPUTS, nonFiniteError, readMatrix, rowName, SMALL_COPY } from './data.js';
import { type DivergenceReason, DivergenceError, NonFiniteOutputError, SimdnetError } from './errors.js';
import { type EpochLog, type FitPlan, OPTIMIZER_IDS } from './fit-options.js';
import type { Rng } from './random.js';
import { type LayerWeights, shortestFloat32 } from './serialization.js';
import { type Evaluation, type Metric, scoreOutputs } from './evaluation.js';
import { checkTargets } from './targets.js';
import { type BatchSource, type DatasetEpoch, gatheredBatches, type ReadBatch, streamedBatches } from './training/batches.js';
import { BetweenEpochs, epochByEpoch } from './training/between-epochs.js';
import { CallbackError, callUser } from './training/callbacks.js';
import { checkMonitor } from './training/monitor.js';
import { checkScheduleFinite, kernelSchedule } from './training/schedule.js';
import { continues, freshState, OPTIMIZER_STATES, type TrainingState } from './training/state.js';
import { keptRows, moveRowsToEnd, splitRows } from './training/validation.js';
import { checkRowWeighting, type RowWeighting, type WeightRows, writeRowWeights } from './training/weights.js';
import { AutoThreads } from './wasm/auto-threads.js';
import type { Heap } from './wasm/heap.js';
import type { Pool } from './wasm/pool.js';
import type { Kernels } from './wasm/kernels.js';
import type { Backend } from './wasm/load.js';

/** Per-epoch results of fit. */
export interface History {
  /** Epochs completed. */
  epochs: number;
  loss: number[];
  accuracy?: number[];
  valLoss?: number[];
  valAccuracy?: number[];
  /** The learning rate of each epoch's last step. */
  learningRate: number[];
  /**
   * With earlyStopping: the epoch (from 1) whose monitored value was the best, which the network
   * holds with restoreBestWeights.
   */
  bestEpoch?: number;
  /** Present when training ended before the last epoch: the signal aborted it, or early stopping ended it. */
  stopped?: 'aborted' | 'earlyStopping';
}

/**
 * Rows per block when evaluating, and per thread's share of a block when predicting: large
 * enough to spread the packing of a layer's weights over many rows, small enough that a
 * block's activations stay in a core's cache from one layer to the next.
 */
const INFERENCE_BLOCK = 128;
/** Wall time one call into the training loop aims at, so a page stays responsive. */
const CHUNK_MS = 20;
/** Most epochs whose statistics one call may leave for the host to read. */
const STATS_RING = 1024;
/** Most epochs a fit's history arrays are sized for as it begins; later epochs extend them. */
const HISTORY_SIZED = 2 ** 20;

/**
 * Bytes of the caller's rows (inputs and targets, or outputs) a call stages in wasm memory at
 * once. fit, predict and evaluate stage data within it whole; larger data a window at a time,
 * with the same results. Tests lower it to run the windowed paths on small data.
 */
export const stagingBudget = { bytes: 64 * 2 ** 20 };

/**
 * Batches per call into the training loop when nonzero; calls are sized by wall time otherwise.
 * Results never depend on it: tests set it to cut one fit in several ways and compare the bits.
 */
export const trainingCalls = { batches: 0 };

/** predictRow's buffers (byte addresses, and float indices for the copies), network and kernel. */
interface RowCall extends RowBuffers {
  readonly net: number;
  readonly inputAt: number;
  readonly outputAt: number;
  readonly kernel: Kernels['predictRow'];
}

export class Engine {
  readonly arena: Arena;
  readonly accuracy: number;
  /** Units of the output layer. */
  readonly outputs: number;
  /** Floats of a row of targets: the output's units, or one class index. */
  readonly targetWidth: number;
  /** The workspace request of predictInto's last call of a few rows. */
  #fewRowsRequest: WorkspaceRequest = { capacity: 0 };
  /** What the arena's optimizer states hold, for the next fit to continue; null: nothing to continue. */
  #training: TrainingState | null = null;

  readonly kernels: Kernels;
  readonly backend: Backend;
  readonly #pool: Pool | undefined;
  /** For threads 'auto' on more than one thread: whether training, and predictions, run on them or on the leader. */
  readonly #autoTraining: AutoThreads | undefined;
  readonly #autoPredicting: AutoThreads | undefined;
  #rowCall: RowCall | undefined;

  constructor(
    heap: Heap,
    readonly spec: NetworkSpec,
    /** Threads its passes may be split across (more than one: heap is the threaded heap). */
    readonly threads: number,
  ) {
    this.kernels = heap.kernels;
    this.backend = heap.backend;
    this.#pool = threads > 1 ? heap.pool : undefined;
    const auto = threads > 1 && spec.threads === 'auto';
    this.#autoTraining = auto ? new AutoThreads(threads) : undefined;
    this.#autoPredicting = auto ? new AutoThreads(threads) : undefined;
    this.accuracy = accuracyMode(spec);
    this.outputs = spec.layers.at(-1)!.units;
    this.targetWidth = takesClassIndices(spec.loss) ? 1 : this.outputs;
    this.arena = new Arena(heap, spec, this.accuracy, heap.backend === 'scalar', threads);
  }

  // Runs a call into wasm that may lead worker threads. If it traps because a worker failed, the
  // error says so (after `undo` puts back what the cut-off call left half done).
  #led<T>(call: () => T, undo?: () => void): T {
    if (!this.#pool) return call();
    try {
      return call();
    } catch (error) {
      const reported = this.#pool.trapped(error);
      if (reported !== error) undo?.();
      throw reported;
    }
  }

  /** Returns the network's memory to its heap, and its claim on the worker threads. */
  dispose(): void {
    this.arena.dispose();
    this.#pool?.release();
  }

  get inputs(): number {
    return this.spec.inputs;
  }

  /** Copies of every layer's weights and bias. */
  readWeights(): LayerWeights[] {
    return this.arena.readTensors();
  }

  /** Writes layer l's weights and bias (zeros for a null bias of a layer that has one). */
  writeLayer(l: number, weights: ArrayLike<number>, bias: ArrayLike<number> | null): void {
    this.arena.writeLayer(l, weights, bias);
  }

  /** Outputs of every row of x, row-major. */
  predict(x: MatrixInput): Float32Array {
    return this.#predicting(x.rows, () => this.#predictRows(x));
  }

  #predictRows(x: MatrixInput): Float32Array {
    if (x.rows * (x.width + this.outputs) * 4 > stagingBudget.bytes) return this.#predictWindowed(x, 'predict');
    const out = new Float32Array(x.rows * this.outputs);
    this.#predictWhole(x, out, 'predict');
    return out;
  }

  // predict on rows within the staging budget, staged whole: on the pool's threads as they are
  // staged where they make more than one block, else staged first.
  #predictWhole(x: MatrixInput, out: Float32Array, call: string): void {
    if (this.#pool && this.#pool.size > 0 && this.arena.threads > 1 && x.rows > INFERENCE_BLOCK) {
      this.#predictStreamed(this.#pool, x, out, call);
    } else {
      this.#predictStaged(this.#reserveData(x, undefined, call), x, x.rows, out, call);
    }
  }

  // The rows of x staged a block at a time while the pool's threads run the chunks of rows staged
  // before (beginPrediction, parallel.ts): a block of workspace per thread the call runs on, into
  // which that thread runs whichever chunk it takes.
  #predictStreamed(pool: Pool, x: MatrixInput, out: Float32Array, call: string): void {
    const threads = Math.min(this.arena.threads, pool.size + 1);
    const ws = this.arena.reserve(
      { capacity: INFERENCE_BLOCK * threads, stats: 1, inputs: x.rows * x.width, outputs: x.rows * this.outputs },
      () => `${call} on ${x.rows} rows`,
    );
    try {
      const start = index32(ws.inputs);
      const k = this.kernels;
      const bad = this.#led(() => {
        k.beginPrediction(this.arena.net, ws.inputs, x.rows, ws.outputs, INFERENCE_BLOCK);
        try {
          for (let first = 0; first < x.rows; first += INFERENCE_BLOCK) {
            const count = Math.min(INFERENCE_BLOCK, x.rows - first);
            x.copyRows(this.arena.f32, start + first * x.width, first, count);
            k.stagedRows(first + count);
          }
        } catch (error) {
          k.stagedRows(-1);
          k.endPrediction();
          throw error;
        }
        return k.endPrediction();
      });
      if (bad < -1) throw nonFiniteError(x, -2 - bad, this.arena.f32[start - 2 - bad]!);
      if (bad >= 0) throw nonFiniteOutputs(call, x, Math.floor(bad / this.outputs));
      copyInto(out, this.arena.f32, index32(ws.outputs));
    } finally {
      this.arena.release(ws);
    }
  }

  /**
   * Writes the outputs of the rows of x, a whole number of rows (checked by the caller), to out
   * (rows × outputs). out may overlap x: x is staged before any output is written.
   */
  predictInto(x: Float32Array, out: Float32Array, call: string): void {
    // No closure where no choice is made: a call per frame on one thread allocates nothing.
    if (this.#autoPredicting) this.#predicting(x.length / this.inputs, () => this.#predictRowsInto(x, out, call));
    else this.#predictRowsInto(x, out, call);
  }

  // A prediction of `rows` rows, whole (staging and checking them, the kernel's calls, the outputs
  // read back), on the threads #autoPredicting picks for it.
  #predicting<T>(rows: number, predict: () => T): T {
    const auto = this.#autoPredicting;
    if (!auto) return predict();
    const [result, ms] = this.#onChosenThreads(auto, predict);
    auto.record(rows, ms);
    return result;
  }

  #predictRowsInto(x: Float32Array, out: Float32Array, call: string): void {
    const rows = x.length / this.inputs;
    if (x.length > SMALL_COPY) {
      const xs = readMatrix(x, 'x', this.inputs, NETWORK_INPUTS);
      if ((x.length + out.length) * 4 > stagingBudget.bytes) out.set(this.#predictWindowed(xs, call));
      else this.#predictWhole(xs, out, call);
      return;
    }
    // The few values of a call per frame: checked as a loop copies them, into a workspace asked
    // for by a kept request, so that nothing is allocated.
    let request = this.#fewRowsRequest;
    if (request.capacity !== rows) request = this.#fewRowsRequest = { capacity: rows, stats: 1, inputs: x.length, outputs: out.length };
    const ws = this.arena.reserve(request, call);
    const bad = copyFinite(x, this.arena.f32, index32(ws.inputs));
    if (bad >= 0) {
      this.arena.release(ws);
      throw this.#nonFiniteInput(x, bad);
    }
    this.#predictStaged(ws, x, rows, out, call);
  }

  /**
   * Writes the outputs of one row x to out (sizes checked by the caller), with predict's bits: the
   * shortest way through wasm, through buffers kept for it, for a call per frame.
   */
  predictRow(x: Float32Array, out: Float32Array, call: string): void {
    const row = this.#rowCall ?? this.#prepareRowCall(call);
    const f32 = this.arena.f32;
    const bad = copyFinite(x, f32, row.inputAt);
    if (bad >= 0) throw this.#nonFiniteInput(x, bad);
    const first = this.#pool ? this.#ledRow(row) : row.kernel(row.net, row.inputs, row.outputs, row.scratch0, row.scratch1);
    if (first >= 0) throw nonFiniteOutputs(call, readMatrix(x, 'x', this.inputs, NETWORK_INPUTS), 0);
    // Kernels never grow memory, so f32 still views all of it.
    copyInto(out, f32, row.outputAt);
  }

  // Everything a one-row call reads, in one object made on the first: it saves about 4 ns of a
  // call of about 100 ns over looking them up through the arena and the kernels' exports.
  #prepareRowCall(call: string): RowCall {
    const buffers = this.arena.rowBuffers(call);
    this.#rowCall = {
      ...buffers, net: this.arena.net, inputAt: index32(buffers.inputs), outputAt: index32(buffers.outputs),
      kernel: this.kernels.predictRow,
    };
    return this.#rowCall;
  }

  // A one-row call where threads may fail: #led's closure kept out of predictRow, which stays
  // small enough to be inlined into its callers.
  #ledRow(row: RowCall): number {
    return this.#led(() => row.kernel(row.net, row.inputs, row.outputs, row.scratch0, row.scratch1));
  }

  #nonFiniteInput(x: Float32Array, i: number): SimdnetError {
    return nonFiniteError(readMatrix(x, 'x', this.inputs, NETWORK_INPUTS), i, x[i]!);
  }

  // Runs the rows staged in ws through the network, copies their outputs to out and releases ws.
  #predictStaged(ws: Workspace, x: MatrixInput | Float32Array, rows: number, out: Float32Array, call: string): void {
    try {
      const bad = this.#predictKernel(ws, rows);
      if (bad >= 0) {
        const xs = x instanceof Float32Array ? readMatrix(x, 'x', this.inputs, NETWORK_INPUTS) : x;
        throw nonFiniteOutputs(call, xs, Math.floor(bad / this.outputs));
      }
      copyInto(out, this.arena.f32, index32(ws.outputs));
    } finally {
      this.arena.release(ws);
    }
  }

  // The predict kernel over the `rows` rows staged in ws; #led's closure only where threads may
  // fail, so that a call per frame on one thread allocates nothing.
  #predictKernel(ws: Workspace, rows: number): number {
    if (!this.#pool) return this.kernels.predict(this.arena.net, ws.inputs, rows, ws.outputs);
    return this.#led(() => this.kernels.predict(this.arena.net, ws.inputs, rows, ws.outputs));
  }

  // Rows of `width` inputs predict runs through the layers at once: INFERENCE_BLOCK rows per
  // thread, so that each thread packs a layer's weights as often as one thread alone does, as
  // long as a block's rows and outputs take at most an eighth of the staging budget (wide rows on
  // many threads would otherwise stage, and size the workspace for, more than the budget).
  #predictBlock(width: number): number {
    const blockBytes = INFERENCE_BLOCK * (width + this.outputs) * 4;
    return INFERENCE_BLOCK * Math.max(1, Math.min(this.threads, Math.floor(stagingBudget.bytes / 8 / blockBytes)));
  }

  // predict on rows staged a window at a time: whole blocks, as staged whole.
  #predictWindowed(x: MatrixInput, call: string): Float32Array {
    const block = this.#predictBlock(x.width);
    const window = windowRows((x.width + this.outputs) * 4, block);
    const ws = this.arena.reserve(
      { capacity: block, inputs: window * x.width, outputs: window * this.outputs },
      () => `${call} on ${x.rows} rows`,
    );
    try {
      const out = new Float32Array(x.rows * this.outputs);
      for (let first = 0; first < x.rows; first += window) {
        const count = Math.min(window, x.rows - first);
        this.#copyFinite(x, ws.inputs, first, count);
        const bad = this.#predictKernel(ws, count);
        if (bad >= 0) throw nonFiniteOutputs(call, x, first + Math.floor(bad / this.outputs));
        const at = index32(ws.outputs);
        out.set(this.arena.f32.subarray(at, at + count * this.outputs), first * this.outputs);
      }
      return out;
    } finally {
      this.arena.release(ws);
    }
  }

  /**
   * Mean loss over the rows (no L2 term), accuracy for classification outputs, and the metrics
   * asked for. Rows beyond the staging budget are staged a window at a time; the kernel adds each
   * window to the same sums, so the result does not depend on the window.
   */
  evaluate(x: MatrixInput, y: MatrixInput, metrics: readonly Metric[] = []): Evaluation {
    // The metrics score the outputs, which the kernel then copies out window by window.
    const scored = metrics.length > 0 ? new Float32Array(x.rows * this.outputs) : undefined;
    const rowBytes = (x.width + y.width + (scored ? this.outputs : 0)) * 4;
    const window = x.rows * rowBytes > stagingBudget.bytes ? windowRows(rowBytes, INFERENCE_BLOCK) : x.rows;
    const ws = this.arena.reserve(
      {
        capacity: Math.min(window, INFERENCE_BLOCK), stats: 1, inputs: window * x.width, targets: window * y.width,
        outputs: scored ? window * this.outputs : 0,
      },
      () => `evaluate on ${x.rows} rows`,
    );
    try {
      const sums = index64(ws.stats);
      this.arena.f64.fill(0, sums, sums + 2);
      for (let first = 0; first < x.rows; first += window) {
        const count = Math.min(window, x.rows - first);
        this.#stage(ws.inputs, ws.targets, x, y, first, count);
        this.#led(() => this.kernels.evaluate(this.arena.net, ws.inputs, ws.targets, count, ws.stats, scored ? ws.outputs : 0));
        if (scored) {
          // As the loss below reports outputs that are not finite: without a row.
          if (this.kernels.firstNonFinite(ws.outputs, count * this.outputs) >= 0) throw nonFiniteOutputs('evaluate', x, null);
          const at = index32(ws.outputs);
          scored.set(this.arena.f32.subarray(at, at + count * this.outputs), first * this.outputs);
        }
      }
      const [lossSum, correct] = [this.arena.f64[sums]!, this.arena.f64[sums + 1]!];
      if (!Number.isFinite(lossSum)) throw nonFiniteOutputs('evaluate', x, null);
      const result: Evaluation = { loss: lossSum / x.rows };
      if (this.accuracy !== ACC_NONE) result.accuracy = this.#accuracyOf(correct, x.rows);
      if (!scored) return result;
      const targets = new Float32Array(y.rows * y.width);
      y.copyTo(targets, 0);
      return { ...result, ...scoreOutputs(metrics, this.spec, scored, targets, x.rows) };
    } finally {
      this.arena.release(ws);
    }
  }

  /** J and ∂J/∂θ per layer, over all rows of x as one batch, its rows weighted as a fit would weigh them. */
  gradient(
    x: MatrixInput, y: MatrixInput, l2: number, l1: number, weighting?: RowWeighting,
  ): { objective: number; grads: LayerWeights[]; rowWeights: Float32Array | undefined } {
    const ws = this.#reserveData(x, y, 'gradient', { capacity: x.rows, weighting, trains: true });
    try {
      const rowWeights = weighting && this.writeWeights(ws.weights, weighting, ws.targets, x.rows);
      const objective = this.#led(() => this.kernels.gradient(this.arena.net, ws.inputs, ws.targets, ws.weights, x.rows, l2, l1));
      return { objective, grads: this.arena.readTensors(true), rowWeights: rowWeights?.slice() };
    } finally {
      this.arena.release(ws);
    }
  }

  // Stages x (and y) in a fresh workspace; one block of `capacity` rows at a time runs through it,
  // backward too where the workspace `trains`.
  #reserveData(
    x: MatrixInput,
    y: MatrixInput | undefined,
    purpose: string,
    { capacity, weighting, trains }: { capacity?: number; weighting?: RowWeighting; trains?: boolean } = {},
  ): Workspace {
    const ws = this.arena.reserve(
      {
        capacity: capacity ?? Math.min(x.rows, this.#predictBlock(x.width)),
        stats: 1,
        inputs: x.rows * x.width,
        targets: y ? y.rows * y.width : 0,
        outputs: y ? 0 : x.rows * this.outputs,
        weights: weighting ? x.rows : 0,
        trains,
      },
      () => `${purpose} on ${x.rows} rows`,
    );
    try {
      this.#stage(ws.inputs, ws.targets, x, y);
    } catch (error) {
      this.arena.release(ws);
      throw error;
    }
    return ws;
  }

  // Copies x (and y) to the given addresses of a workspace, checking every value, and y against
  // the loss, before anything runs: all their rows, or `count` rows from row `first`.
  #stage(inputs: number, targets: number, x: MatrixInput, y: MatrixInput | undefined, first = 0, count = x.rows): void {
    this.#copyFinite(x, inputs, first, count);
    if (!y) return;
    this.#copyFinite(y, targets, first, count);
    checkTargets(this.arena.f32, index32(targets), y, this.spec.loss, this.outputs, first, count);
  }

  /**
   * Writes the weights of the rows whose targets are staged at `targets` to `address`, their
   * sampleWeight entries as `pick` says; returns a view of them.
   */
  writeWeights(address: number, weighting: RowWeighting, targets: number, rows: number, pick?: WeightRows): Float32Array {
    const f32 = this.arena.f32;
    writeRowWeights(
      f32, index32(address), rows, weighting, f32, index32(targets), this.targetWidth, takesClassIndices(this.spec.loss), pick,
    );
    return f32.subarray(index32(address), index32(address) + rows);
  }

  /** Checks row weights (sampleWeight, named `name` in errors) against x's rows and the output's classes. */
  rowWeighting(
    sampleWeight: unknown, classWeight: Map<number, number> | undefined, rows: number, name?: string,
  ): RowWeighting | undefined {
    return checkRowWeighting(sampleWeight, classWeight, rows, this.outputs === 1 ? 2 : this.outputs, name);
  }

  // Finiteness is checked on the copy: in wasm, since a JavaScript loop over every value would cost
  // as much as the forward pass of a wide first layer, but for a few values in JavaScript, where a
  // call into wasm would cost more than the loop.
  #copyFinite(m: MatrixInput, address: number, first = 0, count = m.rows): void {
    const f32 = this.arena.f32;
    const start = index32(address);
    if (count === m.rows) m.copyTo(f32, start);
    else m.copyRows(f32, start, first, count);
    const values = count * m.width;
    let k = -1;
    if (values > SMALL_COPY) {
      // #led's closure only where threads may fail, as in #predictKernel.
      k = this.#pool
        ? this.#led(() => this.kernels.parallelFirstNonFinite(this.arena.threads, address, values))
        : this.kernels.parallelFirstNonFinite(this.arena.threads, address, values);
    } else {
      for (let i = 0; i < values && k < 0; i++) if (!Number.isFinite(f32[start + i]!)) k = i;
    }
    if (k >= 0) throw nonFiniteError(m, first * m.width + k, f32[start + k]!);
  }

  #accuracyOf(correct: number, rows: number): number {
    return correct / (this.accuracy === ACC_BINARY ? rows * this.outputs : rows);
  }

  /**
   * Trains on x, y (and the validation rows, when given apart) as the plan says. The caller has
   * validated the plan and checked the shapes and row counts; the values (and the targets against
   * the loss) are checked here as they are staged, before any weight changes. Data within the
   * staging budget is staged whole and trained by the kernel's own loop; larger data one batch at
   * a time, gathered from the caller's arrays in the order the kernel draws, with the same bits.
   */
  async fit(
    x: MatrixInput,
    y: MatrixInput,
    plan: FitPlan,
    rng: Rng,
    isDisposed: () => boolean,
    validationData?: readonly [MatrixInput, MatrixInput],
  ): Promise<History> {
    const rows = x.rows;
    const split = plan.validationSplit && splitRows(rows, plan.validationSplit, this.spec.seed);
    const trainRows = split ? split.trainRows : rows;
    const valRows = split ? split.valRows : (validationData?.[0].rows ?? 0);
    this.#checkMonitors(plan, valRows);
    const batchSize = Math.min(plan.batchSize, trainRows);
    const carried = continues(this.#training, plan) ? this.#training : undefined;
    checkScheduleFinite(
      plan.schedule, plan.optimizer.learningRate,
      (carried?.step ?? 0) + plan.epochs * Math.ceil(trainRows / batchSize) - 1, (carried?.epochs ?? 0) + plan.epochs - 1,
    );
    const weighting = this.rowWeighting(plan.sampleWeight, plan.classWeight, rows);
    const staged = rows + (validationData ? valRows : 0);
    const windowed = staged * (this.inputs + this.outputs) * 4 > stagingBudget.bytes;
    const statsCapacity = windowed || epochByEpoch(plan) ? 1 : Math.min(plan.epochs, STATS_RING);
    const states = this.#reserveTraining(plan);
    const ws = this.arena.reserve(
      {
        capacity: batchSize,
        stats: statsCapacity,
        inputs: (windowed ? valRows + batchSize : staged) * this.inputs,
        targets: (windowed ? valRows + batchSize : staged) * this.targetWidth,
        order: plan.shuffle ? trainRows : 0,
        // Batch by batch, the weights are written with each batch's rows.
        weights: weighting ? (windowed ? batchSize : rows) : 0,
        trains: true,
        panels: stepsAsItGoes(plan),
        // Staged batch by batch, each call runs one batch: the blocks would be filled and emptied for each.
        firstLayerBlocks: !windowed && plan.l1 === 0 && plan.l2 === 0 && stepsAsItGoes(plan) ? 2 + states.length : 0,
      },
      `fit on ${rows} rows with batchSize ${batchSize}`,
    );
    try {
      const kept = windowed && split?.heldOut ? keptRows(rows, split.heldOut) : null;
      const sizes = { trainRows, batchSize, statsCapacity, valRows, headRows: batchSize };
      // Staged whole: the training rows, then the validation rows; the head is the first training
      // rows. Batch by batch: the validation rows, then a copy of the head.
      const [valX, valY] = windowed ? [ws.inputs, ws.targets] : [ws.inputs + trainRows * this.inputs * 4, ws.targets + trainRows * this.targetWidth * 4];
      const run: RunData = windowed
        ? { ...sizes, x: 0, y: 0, valX, valY, headX: valX + valRows * this.inputs * 4, headY: valY + valRows * this.targetWidth * 4 }
        : { ...sizes, x: ws.inputs, y: ws.targets, valX, valY, headX: ws.inputs, headY: ws.targets };
      if (windowed) {
        this.#checkRows(ws, x, y);
        if (validationData) this.#stage(valX, valY, ...validationData);
        else if (split) this.#copyRows(valX, valY, x, y, split.heldOut ? 0 : trainRows, valRows, split.heldOut);
        this.#copyRows(run.headX, run.headY, x, y, 0, batchSize, kept);
      } else {
        this.#stage(ws.inputs, ws.targets, x, y);
        if (validationData) this.#stage(valX, valY, ...validationData);
        if (weighting) this.writeWeights(ws.weights, weighting, ws.targets, rows);
        if (split && split.heldOut) {
          moveRowsToEnd(this.arena.f32, index32(ws.inputs), this.inputs, rows, split.heldOut);
          moveRowsToEnd(this.arena.f32, index32(ws.targets), this.targetWidth, rows, split.heldOut);
          if (weighting) moveRowsToEnd(this.arena.f32, index32(ws.weights), 1, rows, split.heldOut);
        }
      }
      return await this.#runFit(ws, plan, rng, isDisposed, carried, states, run, (progress) => {
        if (!windowed) return this.#trainLoop(ws, plan, rng, { trainRows, valRows, statsCapacity }, isDisposed, progress);
        const order = plan.shuffle ? ws.order : 0;
        const epoch = (): BatchSource => gatheredBatches(this, ws, x, y, weighting, trainRows, batchSize, order, kept);
        return this.#trainStaged(ws, plan, rng, epoch, valRows, isDisposed, progress);
      });
    } finally {
      this.arena.release(ws);
    }
  }

  /**
   * Trains on the batches a dataset yields, each one step, as fit on their rows in the same order
   * with shuffling off and batches of the same sizes. `epochBatches` opens the dataset's batches
   * for an epoch; the first batch of the first epoch sets the workspace's rows, which no later
   * batch may exceed.
   */
  async fitDataset(
    epochBatches: (epoch: number) => DatasetEpoch,
    plan: FitPlan,
    rng: Rng,
    isDisposed: () => boolean,
    validationData?: readonly [MatrixInput, MatrixInput],
  ): Promise<History> {
    const valRows = validationData?.[0].rows ?? 0;
    this.#checkMonitors(plan, valRows);
    const carried = continues(this.#training, plan) ? this.#training : undefined;
    checkScheduleFinite(plan.schedule, plan.optimizer.learningRate, carried?.step ?? 0, (carried?.epochs ?? 0) + plan.epochs - 1);
    this.rowWeighting(undefined, plan.classWeight, 0);
    const opened = epochBatches(0);
    try {
      const first = await opened.peek();
      if (!first) throw opened.empty();
      const capacity = first.x.rows;
      const states = this.#reserveTraining(plan);
      const ws = this.arena.reserve(
        // Room for a batch's weights, whichever batch turns out to carry any.
        {
          capacity, stats: 1, inputs: (valRows + capacity) * this.inputs, targets: (valRows + capacity) * this.targetWidth,
          weights: capacity, trains: true, panels: stepsAsItGoes(plan),
        },
        `fitDataset with batches of ${capacity} rows`,
      );
      try {
        if (validationData) this.#stage(ws.inputs, ws.targets, ...validationData);
        const head = { x: ws.inputs + valRows * this.inputs * 4, y: ws.targets + valRows * this.targetWidth * 4 };
        const run: RunData = {
          x: 0, y: 0, trainRows: 0, batchSize: capacity, statsCapacity: 1,
          valX: ws.inputs, valY: ws.targets, valRows, headX: head.x, headY: head.y, headRows: 0,
        };
        return await this.#runFit(ws, plan, rng, isDisposed, carried, states, run, (progress) => {
          const epoch = (e: number): BatchSource =>
            streamedBatches(this, ws, () => (e === 0 ? opened : epochBatches(e)), capacity, head, plan.classWeight);
          return this.#trainStaged(ws, plan, rng, epoch, valRows, isDisposed, progress);
        });
      } finally {
        this.arena.release(ws);
      }
    } finally {
      // An early end, or a failure before training, lets go of the iteration (a no-op once it ended).
      opened.close();
    }
  }

  /**
   * Stages a batch the dataset yielded at the workspace's batch rows, checking every value, and
   * its rows' weights (its sampleWeight times classWeight); returns their address, 0 when it has none.
   */
  stageBatch(ws: Workspace, batch: ReadBatch, classWeight: Map<number, number> | undefined): number {
    const rows = batch.x.rows;
    const weighting = this.rowWeighting(batch.sampleWeight, classWeight, rows, `${batch.name}: sampleWeight`);
    this.#stage(ws.batchInputs, ws.batchTargets, batch.x, batch.y);
    if (!weighting) return 0;
    this.writeWeights(ws.weights, weighting, ws.batchTargets, rows);
    return ws.weights;
  }

  // The monitors of early stopping and reduceOnPlateau must be values the fit reports.
  #checkMonitors(plan: FitPlan, valRows: number): void {
    const reports = { validation: valRows > 0, accuracy: this.accuracy !== ACC_NONE };
    if (plan.earlyStopping) checkMonitor(plan.earlyStopping.monitor, 'earlyStopping.monitor', reports);
    if (plan.schedule?.type === 'reduceOnPlateau') checkMonitor(plan.schedule.monitor, 'learningRateSchedule.monitor', reports);
  }

  // The parameter-sized blocks a fit under the plan needs, reserved before it changes anything;
  // returns its optimizer states.
  #reserveTraining(plan: FitPlan): readonly number[] {
    const states = this.arena.optimizerStates(OPTIMIZER_STATES[plan.optimizer.type]);
    this.arena.snapshots();
    if (plan.earlyStopping?.restoreBestWeights) this.arena.reserveCheckpoint(states.length);
    return states;
  }

  // Checks every value of x and y, and y against the loss, a batch's rows at a time through the
  // workspace's batch rows: a fit staged batch by batch changes nothing if any is bad.
  #checkRows(ws: Workspace, x: MatrixInput, y: MatrixInput): void {
    for (let first = 0; first < x.rows; first += ws.capacity) {
      this.#stage(ws.batchInputs, ws.batchTargets, x, y, first, Math.min(ws.capacity, x.rows - first));
    }
  }

  // Copies `count` rows of x and y, from row `first` or the rows listed, to the given addresses:
  // rows #checkRows has checked.
  #copyRows(
    inputs: number, targets: number, x: MatrixInput, y: MatrixInput, first: number, count: number, rows: Uint32Array | null,
  ): void {
    const f32 = this.arena.f32;
    x.copyRows(f32, index32(inputs), first, count, rows ?? undefined);
    y.copyRows(f32, index32(targets), first, count, rows ?? undefined);
  }

  // Runs a fit from the start of its optimizer to its end: writes the run record, trains with
  // `loop`, keeps what the next fit continues, and restores the best epoch when asked.
  async #runFit(
    ws: Workspace,
    plan: FitPlan,
    rng: Rng,
    isDisposed: () => boolean,
    carried: TrainingState | undefined,
    states: readonly number[],
    run: RunData,
    loop: (progress: FitProgress) => Promise<History>,
  ): Promise<History> {
    await this.#pool?.ensure(this.threads);
    const start = carried ?? this.#startAfresh(plan, states);
    // Until this fit ends between two batches, the states may not match the weights.
    this.#training = null;
    this.#writeRun(ws, plan, rng, { states, snapshots: this.arena.snapshots(), start, ...run });
    const progress: FitProgress = {
      start, states, between: new BetweenEpochs(plan, start.plateau), best: undefined, fixedRate: fixedRateOf(plan),
    };
    let history: History;
    try {
      history = await loop(progress);
    } catch (error) {
      if (!(error instanceof CallbackError)) throw error;
      // A callback (or the dataset) failed between two batches: the states match the weights
      // (unless the same call into wasm diverged and put back an epoch's start).
      if (this.arena.runInt(abi.RUN_STATUS) !== abi.STATUS_DIVERGED) this.#training = this.#stateNow(progress);
      throw error.cause;
    }
    this.#training = this.#stateNow(progress);
    const best = progress.best;
    if (best && best.epoch < history.epochs && history.stopped !== 'aborted' && !isDisposed()) {
      // Back to the best epoch's end: parameters, optimizer states, generator and counters.
      this.arena.restoreCheckpoint(states);
      best.rng.forEach((word, i) => (rng.state[i] = word));
      this.#training = best.state;
    }
    return history;
  }

  // Puts the optimizer states where a fresh start has them; returns that start.
  #startAfresh(plan: FitPlan, states: readonly number[]): TrainingState {
    const initial = plan.optimizer.type === 'adagrad' ? plan.optimizer.initialAccumulatorValue : 0;
    for (const state of states) this.arena.fill(state, this.arena.paramCount, initial);
    return freshState(plan);
  }

  // What this fit leaves for the next to continue, by the run record and its progress.
  #stateNow(progress: FitProgress): TrainingState {
    const arena = this.arena;
    const { optimizer, schedule, epochs } = progress.start;
    const plateau = progress.between.plateau && { ...progress.between.plateau };
    return { optimizer, schedule, step: arena.runInt(abi.RUN_STEP), epochs: epochs + arena.runInt(abi.RUN_EPOCH), plateau };
  }

  /** Makes the next fit start its optimizer and schedule afresh (the weights were replaced). */
  resetOptimizer(): void {
    this.#training = null;
  }

  #writeRun(
    ws: Workspace,
    plan: FitPlan,
    rng: Rng,
    sizes: RunData & { states: readonly number[]; snapshots: readonly [number, number]; start: TrainingState },
  ): void {
    const arena = this.arena;
    // Plain stores, not a table of pairs walked by for…of: a one-row fit is short enough for that
    // walk to show.
    const int = (field: number, value: number): void => arena.setRunInt(field, value);
    const float = (field: number, value: number): void => arena.setRunFloat(field, value);
    const o = plan.optimizer;
    const schedule = kernelSchedule(plan.schedule);
    int(abi.RUN_OPTIMIZER, OPTIMIZER_IDS[o.type]);
    int(abi.RUN_NESTEROV, o.nesterov ? 1 : 0);
    int(abi.RUN_STEP, sizes.start.step);
    int(abi.RUN_EPOCHS_BEFORE, sizes.start.epochs);
    int(abi.RUN_STATE1, sizes.states[0] ?? 0);
    int(abi.RUN_STATE2, sizes.states[1] ?? 0);
    int(abi.RUN_FIRST_BLOCKS, ws.firstLayerBlocks);
    int(abi.RUN_FIRST_BLOCKED, 0);
    int(abi.RUN_X, sizes.x);
    int(abi.RUN_Y, sizes.y);
    int(abi.RUN_ROWS, sizes.trainRows);
    int(abi.RUN_ORDER, ws.order);
    int(abi.RUN_BATCH_SIZE, sizes.batchSize);
    int(abi.RUN_EPOCH_BATCHES, Math.ceil(sizes.trainRows / sizes.batchSize));
    int(abi.RUN_VAL_X, sizes.valX);
    int(abi.RUN_VAL_Y, sizes.valY);
    int(abi.RUN_WEIGHTS, ws.weights);
    int(abi.RUN_BATCH_WEIGHTS, ws.batchWeights);
    int(abi.RUN_VAL_ROWS, sizes.valRows);
    int(abi.RUN_HEAD_X, sizes.headX);
    int(abi.RUN_HEAD_Y, sizes.headY);
    int(abi.RUN_HEAD_ROWS, sizes.headRows);
    int(abi.RUN_EPOCHS, plan.epochs);
    int(abi.RUN_EPOCH, 0);
    int(abi.RUN_BATCH, 0);
    int(abi.RUN_STATUS, abi.STATUS_RUNNING);
    int(abi.RUN_STATS, ws.stats);
    int(abi.RUN_STATS_CAPACITY, sizes.statsCapacity);
    int(abi.RUN_SNAPSHOT0, sizes.snapshots[0]);
    int(abi.RUN_SNAPSHOT1, sizes.snapshots[1]);
    int(abi.RUN_CLIP, CLIP_IDS[plan.clip.type]);
    int(abi.RUN_SCHEDULE, schedule.id);
    int(abi.RUN_SCHEDULE_PERIOD, schedule.period);
    int(abi.RUN_SCHEDULE_WARMUP, schedule.warmup);
    int(abi.RUN_SCHEDULE_STAIRCASE, schedule.staircase ? 1 : 0);
    float(abi.RUN_LEARNING_RATE, sizes.start.plateau?.rate ?? o.learningRate);
    float(abi.RUN_BETA1, o.beta1);
    float(abi.RUN_BETA2, o.beta2);
    float(abi.RUN_EPSILON, o.epsilon);
    float(abi.RUN_MOMENTUM, o.momentum);
    float(abi.RUN_RHO, o.rho);
    float(abi.RUN_WEIGHT_DECAY, o.weightDecay);
    float(abi.RUN_L2, plan.l2);
    float(abi.RUN_L1, plan.l1);
    float(abi.RUN_CLIP_LIMIT, plan.clip.limit);
    float(abi.RUN_SCHEDULE_FACTOR, schedule.factor);
    arena.writeRunRng(rng.state);
  }

  async #trainLoop(
    ws: Workspace,
    plan: FitPlan,
    rng: Rng,
    sizes: { trainRows: number; valRows: number; statsCapacity: number },
    isDisposed: () => boolean,
    progress: FitProgress,
  ): Promise<History> {
    const arena = this.arena;
    const history = this.#emptyHistory(plan, sizes.valRows, progress.fixedRate);
    const maxEpochs = epochByEpoch(plan) ? 1 : sizes.statsCapacity;
    let chunk = 1;
    let lastYield = now();
    try {
      while (arena.runInt(abi.RUN_STATUS) === abi.STATUS_RUNNING) {
        if (this.#stopsBeforeCall(history, plan, isDisposed, ws, sizes.statsCapacity, progress)) break;
        const epoch = arena.runInt(abi.RUN_EPOCH);
        const batch = arena.runInt(abi.RUN_BATCH);
        arena.bind(ws);
        const batches = plan.onBatchEnd ? 1 : trainingCalls.batches || chunk;
        const { ran, ms } = this.#trainCall(ws, () => this.kernels.train(arena.net, arena.run, batches, maxEpochs));
        chunk = nextChunk(chunk, ran, ms);
        if (await this.#afterCall(history, plan, progress, ws, sizes, epoch, batch, ran)) break;
        if (now() - lastYield >= CHUNK_MS) lastYield = await yieldToEventLoop();
      }
    } finally {
      arena.readRunRng(rng.state);
    }
    return this.#finishHistory(history, progress);
  }

  // The training loop of a fit whose batches are staged one at a time, each by `epochBatches`'s
  // source for its epoch, and trained by one call into wasm.
  async #trainStaged(
    ws: Workspace,
    plan: FitPlan,
    rng: Rng,
    epochBatches: (epoch: number) => BatchSource,
    valRows: number,
    isDisposed: () => boolean,
    progress: FitProgress,
  ): Promise<History> {
    const arena = this.arena;
    const history = this.#emptyHistory(plan, valRows, progress.fixedRate);
    let source: BatchSource | undefined;
    let epochRows = 0;
    let lastYield = now();
    try {
      while (arena.runInt(abi.RUN_STATUS) === abi.STATUS_RUNNING) {
        if (this.#stopsBeforeCall(history, plan, isDisposed, ws, 1, progress)) break;
        const epoch = arena.runInt(abi.RUN_EPOCH);
        const batch = arena.runInt(abi.RUN_BATCH);
        if (!source) {
          arena.bind(ws);
          this.kernels.beginStagedEpoch(arena.net, arena.run);
          source = epochBatches(epoch);
          epochRows = 0;
        }
        const staged = await source.next();
        if (isDisposed()) throw new SimdnetError('the network was disposed while fit was running');
        arena.bind(ws);
        const { ran } = this.#trainCall(ws, () =>
          this.kernels.trainStaged(arena.net, arena.run, ws.batchInputs, ws.batchTargets, staged.weights, staged.rows, staged.last ? 1 : 0),
        );
        epochRows += staged.rows;
        if (staged.last) {
          source = undefined;
          arena.setRunInt(abi.RUN_EPOCH_BATCHES, batch + 1);
        }
        const sizes = { trainRows: epochRows, valRows, statsCapacity: 1 };
        if (await this.#afterCall(history, plan, progress, ws, sizes, epoch, batch, ran)) break;
        if (now() - lastYield >= CHUNK_MS) lastYield = await yieldToEventLoop();
      }
    } finally {
      arena.readRunRng(rng.state);
      source?.close();
    }
    return this.#finishHistory(history, progress);
  }

  // A call into wasm that trains batches of the workspace's rows and returns how many, on the
  // threads #autoTraining picks for it; a failed worker puts the epoch in progress, cut off in the
  // middle of a batch, back to its start. Answers the batches run and the milliseconds they took.
  #trainCall(ws: Workspace, call: () => number): { ran: number; ms: number } {
    this.#autoTraining?.begin(ws.capacity);
    const undo = (): void => this.arena.restoreEpochStart(this.arena.runInt(abi.RUN_EPOCH));
    const [ran, ms] = this.#onChosenThreads(this.#autoTraining, () => this.#led(call, undo));
    this.#autoTraining?.record(ran, ms);
    return { ran, ms };
  }

  // Runs calls into wasm on the threads `auto` picks (all of the network's without one, and once
  // they end): their result and the milliseconds they took.
  #onChosenThreads<T>(auto: AutoThreads | undefined, call: () => T): [T, number] {
    if (auto) this.arena.setThreads(auto.next);
    const started = now();
    try {
      return [call(), now() - started];
    } finally {
      if (auto) this.arena.setThreads(this.threads);
    }
  }

  // A history whose arrays are sized for the fit's epochs, filled in by #recordEpochs and cut to the
  // epochs run by #finishHistory: a tiny network ends an epoch every few hundred nanoseconds, and
  // pushing onto arrays that grow (and are copied as they grow) would take a good part of that.
  // A fixed rate is written once the fit ends (writeFixedRate). A fit run epoch by epoch (callbacks,
  // early stopping, a plateau) pays a call per epoch anyway, and may stop long before its epochs:
  // its arrays grow as they fill.
  #emptyHistory(plan: FitPlan, valRows: number, fixedRate: number | undefined): History {
    const epochs = epochByEpoch(plan) ? 0 : Math.min(plan.epochs, HISTORY_SIZED);
    const sized = (): number[] => new Array<number>(epochs);
    const history: History = { epochs: 0, loss: sized(), learningRate: fixedRate === undefined ? sized() : [] };
    const withAccuracy = this.accuracy !== ACC_NONE;
    if (withAccuracy) history.accuracy = sized();
    if (valRows > 0) {
      history.valLoss = sized();
      if (withAccuracy) history.valAccuracy = sized();
    }
    return history;
  }

  // What a training loop checks before each call into wasm: the signal (true: the fit ends,
  // aborted) and whether the network is still there.
  #stopsBeforeCall(
    history: History, plan: FitPlan, isDisposed: () => boolean, ws: Workspace, statsCapacity: number, progress: FitProgress,
  ): boolean {
    const arena = this.arena;
    if (plan.signal?.aborted) {
      this.#led(() => this.kernels.abortRun(arena.net, arena.run));
      if (arena.runInt(abi.RUN_STATUS) === abi.STATUS_DIVERGED) throw this.#divergence(history, statsCapacity, ws, progress.fixedRate);
      history.stopped = 'aborted';
      return true;
    }
    if (isDisposed()) throw new SimdnetError('the network was disposed while fit was running');
    return false;
  }

  // What follows a call into wasm that began at batch `batch` of epoch `epoch` and ran `ran`
  // batches: onBatchEnd, the epochs that ended, what runs between epochs, a divergence. Returns
  // whether early stopping ends the fit.
  async #afterCall(
    history: History,
    plan: FitPlan,
    progress: FitProgress,
    ws: Workspace,
    sizes: { trainRows: number; valRows: number; statsCapacity: number },
    epoch: number,
    batch: number,
    ran: number,
  ): Promise<boolean> {
    const arena = this.arena;
    // Epochs that ended before a divergence in the same call are reported first, so what
    // the callbacks see does not depend on how the fit was cut into calls.
    if (plan.onBatchEnd && ran > 0) {
      const at = arena.statsIndex(ws, epoch, sizes.statsCapacity);
      const learningRate = shownRate(arena.f64[at + abi.STATS_LEARNING_RATE / 8]!);
      const log = { epoch: epoch + 1, batch: batch + 1, loss: arena.runFloat64(abi.RUN_BATCH_LOSS), learningRate };
      const pending = callUser(plan.onBatchEnd, log);
      if (pending) await pending;
    }
    const recorded = history.epochs;
    this.#recordEpochs(history, arena.runInt(abi.RUN_EPOCH), ws, sizes, progress.fixedRate !== undefined);
    // Epoch by epoch, a call ends one epoch at the most.
    const stop = epochByEpoch(plan) && history.epochs > recorded && (await this.#afterEpoch(history, plan, progress));
    if (arena.runInt(abi.RUN_STATUS) === abi.STATUS_DIVERGED) throw this.#divergence(history, sizes.statsCapacity, ws, progress.fixedRate);
    if (stop && arena.runInt(abi.RUN_STATUS) === abi.STATUS_RUNNING) history.stopped = 'earlyStopping';
    return stop;
  }

  #finishHistory(history: History, progress: FitProgress): History {
    const { epochs, loss, learningRate, accuracy, valLoss, valAccuracy } = history;
    for (const values of [loss, learningRate, accuracy, valLoss, valAccuracy]) {
      if (values && values.length > epochs) values.length = epochs;
    }
    writeFixedRate(history, progress.fixedRate);
    const bestEpoch = progress.between.bestEpoch;
    if (bestEpoch !== undefined) history.bestEpoch = bestEpoch;
    return history;
  }

  // The error for the divergence the run record describes, with the history cut back to the
  // epochs the restored network has been trained for.
  #divergence(history: History, statsCapacity: number, ws: Workspace, fixedRate: number | undefined): DivergenceError {
    const arena = this.arena;
    writeFixedRate(history, fixedRate);
    const restored = arena.runInt(abi.RUN_RESTORED_EPOCH);
    const at = arena.statsIndex(ws, arena.runInt(abi.RUN_EPOCH), statsCapacity);
    return new DivergenceError({
      epoch: arena.runInt(abi.RUN_EPOCH) + 1,
      batch: arena.runInt(abi.RUN_DIVERGED_BATCH) + 1,
      reason: DIVERGENCE_REASONS[arena.runInt(abi.RUN_DIVERGED)]!,
      restoredEpoch: restored + 1,
      learningRate: shownRate(arena.f64[at + abi.STATS_LEARNING_RATE / 8]!),
      history: truncateHistory(history, restored),
    });
  }

  // Appends the epochs that ended since the last report to history (their rates unless fixedRate).
  // Fits of a tiny network end an epoch every few batches: this loop then runs for every few
  // microseconds of training, so it walks the ring of statistics records without a division.
  #recordEpochs(
    history: History,
    epochsEnded: number,
    ws: Workspace,
    sizes: { trainRows: number; valRows: number; statsCapacity: number },
    fixedRate: boolean,
  ): void {
    const f64 = this.arena.f64;
    const { trainRows, valRows, statsCapacity } = sizes;
    const ringStart = this.arena.statsIndex(ws, 0, statsCapacity);
    const ringEnd = ringStart + statsCapacity * RECORD_FLOATS;
    let at = this.arena.statsIndex(ws, history.epochs, statsCapacity);
    const { loss, learningRate, accuracy, valLoss, valAccuracy } = history;
    for (let e = history.epochs; e < epochsEnded; e++) {
      loss[e] = f64[at + abi.STATS_LOSS / 8]! / trainRows;
      if (!fixedRate) learningRate[e] = shownRate(f64[at + abi.STATS_LEARNING_RATE / 8]!);
      if (accuracy) accuracy[e] = this.#accuracyOf(f64[at + abi.STATS_CORRECT / 8]!, trainRows);
      if (valLoss) valLoss[e] = f64[at + abi.STATS_VAL_LOSS / 8]! / valRows;
      if (valAccuracy) valAccuracy[e] = this.#accuracyOf(f64[at + abi.STATS_VAL_CORRECT / 8]!, valRows);
      at += RECORD_FLOATS;
      if (at === ringEnd) at = ringStart;
    }
    history.epochs = epochsEnded;
  }

  // What follows the epoch that just ended, for a fit that runs epoch by epoch: the plateau's
  // rate, a checkpoint of the best epoch, onEpochEnd. Returns whether early stopping ends the fit.
  async #afterEpoch(history: History, plan: FitPlan, progress: FitProgress): Promise<boolean> {
    const e = history.epochs - 1;
    const log: EpochLog = { epoch: e + 1, loss: history.loss[e]!, learningRate: history.learningRate[e]! };
    if (history.accuracy) log.accuracy = history.accuracy[e]!;
    if (history.valLoss) log.valLoss = history.valLoss[e]!;
    if (history.valAccuracy) log.valAccuracy = history.valAccuracy[e]!;
    const { keep, stop } = progress.between.after(log);
    const plateau = progress.between.plateau;
    if (plateau) this.arena.setRunFloat(abi.RUN_LEARNING_RATE, plateau.rate);
    if (keep) {
      this.arena.saveCheckpoint(progress.states);
      const rng = [0, 0, 0, 0];
      this.arena.readRunRng(rng);
      progress.best = { epoch: e + 1, state: this.#stateNow(progress), rng };
    }
    if (plan.onEpochEnd) {
      const pending = callUser(plan.onEpochEnd, log);
      if (pending) await pending;
    }
    return stop;
  }
}

const now = (): number => performance.now();

const DIVERGENCE_REASONS: Record<number, DivergenceReason> = {
  [abi.DIVERGED_LOSS]: 'loss',
  [abi.DIVERGED_PARAMETERS]: 'parameters',
  [abi.DIVERGED_VALIDATION]: 'validationLoss',
  [abi.DIVERGED_FINAL]: 'finalLoss',
};

// The first `epochs` epochs of a history.
function truncateHistory(history: History, epochs: number): History {
  const cut: History = { epochs, loss: history.loss.slice(0, epochs), learningRate: history.learningRate.slice(0, epochs) };
  if (history.accuracy) cut.accuracy = history.accuracy.slice(0, epochs);
  if (history.valLoss) cut.valLoss = history.valLoss.slice(0, epochs);
  if (history.valAccuracy) cut.valAccuracy = history.valAccuracy.slice(0, epochs);
  return cut;
}

// Whether a fit's batches on threads take the optimizer step as their gradient job completes each
// block of parameters, packing each block of weights into its panels for the next batch's forward
// pass to read: unless the fit clips the gradient, which the step then waits for.
function stepsAsItGoes(plan: FitPlan): boolean {
  return plan.clip.type === 'none';
}

// The error for outputs that are NaN or ±Infinity, on row r of x where the call can tell.
function nonFiniteOutputs(call: string, x: MatrixInput, r: number | null): NonFiniteOutputError {
  return new NonFiniteOutputError(
    `${call}: the network's outputs for ${r === null ? 'some of these rows' : rowName(x, r)} are NaN or Infinity: ` +
      'its weights, or these inputs, are too large for float32 arithmetic (retrain with a smaller learning rate, ' +
      'or standardise the inputs)',
    r,
  );
}

const CLIP_IDS = { none: abi.CLIP_NONE, value: abi.CLIP_VALUE, norm: abi.CLIP_NORM } as const;

/** Where a fit's data lies in wasm memory, and its sizes: what the run record says of them. */
interface RunData {
  /** The training rows staged whole, or 0 for a fit whose batches are staged one at a time. */
  x: number;
  y: number;
  trainRows: number;
  batchSize: number;
  statsCapacity: number;
  valX: number;
  valY: number;
  valRows: number;
  /** The rows the final weights are checked on: the first batch's worth of training rows as stored. */
  headX: number;
  headY: number;
  headRows: number;
}

/** One fit's bookkeeping: where it started, its optimizer states, what runs between epochs, the best epoch kept. */
interface FitProgress {
  start: TrainingState;
  states: readonly number[];
  between: BetweenEpochs;
  /** The epoch (from 1) the arena's checkpoint holds, with what it left outside the arena. */
  best: { epoch: number; state: TrainingState; rng: number[] } | undefined;
  /** A fit without a schedule or anything between epochs trains at this one rate (shown). */
  fixedRate: number | undefined;
}

let lastRate = Number.NaN;
let lastShown = Number.NaN;

/**
 * A float32 rate as the shortest decimal that reads back as it (0.05 rather than
 * 0.05000000074505806), the last answer remembered: rates seldom change from one epoch, batch or
 * fit to the next.
 */
function shownRate(rate: number): number {
  if (rate !== lastRate) {
    lastShown = shortestFloat32(rate);
    lastRate = rate;
  }
  return lastShown;
}

// The one rate of a fit without a schedule or anything between epochs, which it writes into the
// history once as it ends: a tiny network ends an epoch every few hundred nanoseconds.
function fixedRateOf(plan: FitPlan): number | undefined {
  return plan.schedule || epochByEpoch(plan) ? undefined : shownRate(Math.fround(plan.optimizer.learningRate));
}

// The history's rates of a fit whose rate is fixed: every epoch's.
function writeFixedRate(history: History, fixedRate: number | undefined): void {
  if (fixedRate !== undefined) history.learningRate = new Array<number>(history.epochs).fill(fixedRate);
}

/** f64 values in one statistics record. */
const RECORD_FLOATS = abi.STATS_BYTES / 8;

// Batches for the next call, from the rate of the last: aims at CHUNK_MS, and grows at most 8×
// a call because timers may be coarse.
function nextChunk(chunk: number, ran: number, ms: number): number {
  if (ran === 0) return chunk;
  const aimed = ms > 0 ? Math.floor((ran * CHUNK_MS) / ms) : Infinity;
  return Math.max(1, Math.min(aimed, chunk * 8, 2 ** 30));
}

// Lets the event loop run, then answers the time: setImmediate where it exists (Node), else a
// message to ourselves; unlike setTimeout(0), neither is clamped to 4 ms when nested.
async function yieldToEventLoop(): Promise<number> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (g.setImmediate) {
    await new Promise<void>((resolve) => g.setImmediate!(resolve));
  } else {
    await new Promise<void>((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(undefined);
    });
  }
  return now();
}

// Rows of rowBytes each that the staging budget holds, in a whole number (at least one) of `multiple`s.
function windowRows(rowBytes: number, multiple: number): number {
  return Math.max(1, Math.floor(stagingBudget.bytes / rowBytes / multiple)) * multiple;
}


// Copies x to f32 from index `at` up to its first value that is NaN or ±Infinity, whose index it
// returns (−1: none): a loop, as the few values of a call per frame are copied fastest.
function copyFinite(x: Float32Array, f32: Float32Array, at: number): number {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) return i;
    f32[at + i] = v;
  }
  return -1;
}

// Fills out from f32[start ...], by a loop up to SMALL_COPY.
function copyInto(out: Float32Array, f32: Float32Array, start: number): void {
  const count = out.length;
  if (count > SMALL_COPY) {
    out.set(f32.subarray(start, start + count));
    return;
  }
  for (let i = 0; i < count; i++) out[i] = f32[start + i]!;
}
