// The batches of a fit staged one at a time into the workspace's batch rows:
// gathered from the caller's arrays in the order the kernel drew for the epoch
// (a fit whose data exceeds the staging budget), or yielded by a dataset
// (fitDataset). Each is read one ahead, so a batch is known to be its epoch's
// last as it is trained.

import * as abi from '../abi.js';
import { index32, type Workspace } from '../arena.js';
import type { Matrix, MatrixInput, Targets } from '../data.js';
import type { Engine } from '../engine.js';
import { describe, SimdnetError } from '../errors.js';
import { CallbackError } from './callbacks.js';
import type { RowWeighting } from './weights.js';

/** One batch of a dataset. */
export interface DatasetBatch {
  x: Matrix;
  /** Targets, or for a loss that takes class indices, one per row. */
  y: Targets;
  /** A weight ≥ 0 for each row, as fit's sampleWeight (default: 1 each). */
  sampleWeight?: ArrayLike<number>;
}

/** What fitDataset trains on: batches, from an iterable or async iterable, or a function that gives a fresh one each epoch. */
export type Dataset =
  | Iterable<DatasetBatch>
  | AsyncIterable<DatasetBatch>
  | (() => Iterable<DatasetBatch> | AsyncIterable<DatasetBatch>);

/** A batch staged at the workspace's batch rows. */
export interface StagedBatch {
  rows: number;
  /** Address of its rows' weights; 0 when each weighs 1. */
  weights: number;
  /** Whether it is its epoch's last. */
  last: boolean;
}

/** The batches of one epoch, staged one per call. */
export interface BatchSource {
  /** Stages the next batch. */
  next(): StagedBatch | Promise<StagedBatch>;
  /** Lets go of the rest of the epoch's batches once the fit stops early. */
  close(): void;
}

/**
 * The batches of an epoch of a fit over x, y, gathered from the caller's arrays with their rows'
 * weights: the epoch's order as the kernel drew it at `order` (0: no shuffling) over the training
 * rows, which are `kept` (null: the first trainRows rows of x).
 */
export function gatheredBatches(
  engine: Engine,
  ws: Workspace,
  x: MatrixInput,
  y: MatrixInput,
  weighting: RowWeighting | undefined,
  trainRows: number,
  batchSize: number,
  order: number,
  kept: Uint32Array | null,
): BatchSource {
  const arena = engine.arena;
  let rows = kept;
  if (order) {
    const drawn = arena.u32.subarray(index32(order), index32(order) + trainRows);
    rows = kept ? drawn.map((r) => kept[r]!) : drawn.slice();
  }
  let start = 0;
  return {
    next() {
      const m = Math.min(batchSize, trainRows - start);
      x.copyRows(arena.f32, index32(ws.batchInputs), start, m, rows ?? undefined);
      y.copyRows(arena.f32, index32(ws.batchTargets), start, m, rows ?? undefined);
      if (weighting) engine.writeWeights(ws.weights, weighting, ws.batchTargets, m, { first: start, order: rows });
      start += m;
      return { rows: m, weights: weighting ? ws.weights : 0, last: start === trainRows };
    },
    close() {},
  };
}

/** Checks a dataset batch's shapes: the matrices x and y of equal row counts, named by `name`. */
export type BatchReader = (x: unknown, y: unknown, name: string) => readonly [MatrixInput, MatrixInput];

/** A dataset's batch, its shapes checked; its sampleWeight as given. */
export interface ReadBatch {
  x: MatrixInput;
  y: MatrixInput;
  sampleWeight: unknown;
  name: string;
  last: boolean;
}

/** One epoch (from 0) of a dataset's batches, read as matrices, one ahead. */
export class DatasetEpoch {
  readonly #iterator: Iterator<unknown> | AsyncIterator<unknown>;
  readonly #oneShot: boolean;
  #ahead: IteratorResult<unknown> | undefined;
  #peeked: ReadBatch | null | undefined;
  #batches = 0;
  #done = false;

  constructor(dataset: Dataset, readonly epoch: number, readonly read: BatchReader) {
    const source: unknown = typeof dataset === 'function' ? dataset() : dataset;
    const iterable = source as Partial<AsyncIterable<unknown> & Iterable<unknown>> | null | undefined;
    const open: unknown = iterable?.[Symbol.asyncIterator] ?? iterable?.[Symbol.iterator];
    if (typeof open !== 'function') {
      throw new SimdnetError(
        `the dataset must be an iterable or async iterable of { x, y } batches, or a function that returns one for each epoch; got ${describe(source)}`,
      );
    }
    this.#iterator = (open as () => Iterator<unknown> | AsyncIterator<unknown>).call(iterable);
    this.#oneShot = typeof dataset !== 'function';
  }

  /** The epoch's first batch, which next() then hands out; null if the epoch has none. */
  async peek(): Promise<ReadBatch | null> {
    if (this.#peeked === undefined) this.#peeked = await this.#read();
    return this.#peeked;
  }

  /** The next batch, or null once the epoch has no more. */
  async next(): Promise<ReadBatch | null> {
    const batch = this.#peeked !== undefined ? this.#peeked : await this.#read();
    this.#peeked = undefined;
    return batch;
  }

  /** The error for an epoch without batches. */
  empty(): SimdnetError {
    const hint = this.#oneShot && this.epoch > 0
      ? ' (an iterator or generator yields its batches once: pass a function that returns a fresh one for each epoch)'
      : '';
    return new SimdnetError(`the dataset yielded no batches in epoch ${this.epoch + 1}; each epoch needs at least one${hint}`);
  }

  /** Tells the iterator no more batches are wanted, unless it has ended. */
  close(): void {
    if (this.#done) return;
    this.#done = true;
    // A generator's cleanup; what it returns or throws is of no further use.
    Promise.resolve(this.#iterator.return?.()).catch(() => {});
  }

  async #read(): Promise<ReadBatch | null> {
    const current = this.#ahead ?? (await this.#iterator.next());
    if (current.done) {
      this.#done = true;
      return null;
    }
    this.#ahead = await this.#iterator.next();
    if (this.#ahead.done) this.#done = true;
    const name = `batch ${++this.#batches} of epoch ${this.epoch + 1}`;
    const value = current.value as Partial<DatasetBatch> | null;
    if (typeof value !== 'object' || value === null) {
      throw new SimdnetError(`${name} must be an object { x, y } or { x, y, sampleWeight }, got ${describe(value)}`);
    }
    const [x, y] = this.read(value.x, value.y, name);
    return { x, y, sampleWeight: value.sampleWeight, name, last: this.#ahead.done === true };
  }
}

/**
 * The batches of a dataset's epoch, staged as they come with their rows' weights (a batch's
 * sampleWeight times classWeight), none larger than `capacity` rows (the first batch's). The
 * first batch of the fit is also kept at `head`, the rows the final weights are checked on. A
 * failure of the dataset, or a bad batch, is the fit's CallbackError: the network is left as the
 * batches before it left it.
 */
export function streamedBatches(
  engine: Engine,
  ws: Workspace,
  open: () => DatasetEpoch,
  capacity: number,
  head: { x: number; y: number },
  classWeight: Map<number, number> | undefined,
): BatchSource {
  let epoch: DatasetEpoch | undefined;
  return {
    async next() {
      let batch: ReadBatch | null;
      let weights: number;
      try {
        epoch ??= open();
        batch = await epoch.next();
        if (!batch) throw epoch.empty();
        if (batch.x.rows > capacity) {
          throw new SimdnetError(
            `${batch.name} has ${batch.x.rows} rows, more than the ${capacity} of the first batch; no batch may be larger than the first`,
          );
        }
        weights = engine.stageBatch(ws, batch, classWeight);
      } catch (error) {
        throw new CallbackError(error);
      }
      const arena = engine.arena;
      const rows = batch.x.rows;
      if (arena.runInt(abi.RUN_HEAD_ROWS) === 0) {
        arena.copyFloats(head.x, ws.batchInputs, rows * batch.x.width);
        arena.copyFloats(head.y, ws.batchTargets, rows * batch.y.width);
        arena.setRunInt(abi.RUN_HEAD_ROWS, rows);
      }
      return { rows, weights, last: batch.last };
    },
    close() {
      epoch?.close();
    },
  };
}
