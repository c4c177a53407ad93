// Training on a CSV file larger than memory: each epoch reads the file again a
// chunk of rows at a time into a buffer of rows, shuffles the buffer and fits
// the network on it (the optimizer's state carries over from one fit to the
// next). Memory holds a chunk and the buffer, never the file.
//
// Batches never straddle two fits: a fit takes the buffer's whole batches and
// the rows left over start the next buffer, so that only an epoch's last batch
// is short, as in one fit over all rows. Unshuffled, training is therefore the
// same, weight for weight, as one fit of the whole file without shuffling.

import type { EpochLog, Network } from '../index.js';
import { Rng } from '../random.js';
import { readTableChunks, type ReadOptions } from './csv.js';
import type { TrainSettings } from './train-options.js';
import { encode, type Preprocessing } from './training-data.js';

/** Rows read from the file at a time. */
export const CHUNK_ROWS = 2_000;

/** How the network is trained, from the command line. */
export type StreamSettings = Pick<TrainSettings, 'epochs' | 'batchSize' | 'step' | 'seed' | 'shuffle' | 'shuffleBuffer'>;

/** What training tells the command as it goes. */
export interface TrainingHooks {
  /** Stops training between fits (and between chunks of batches within one). */
  signal: AbortSignal;
  onEpochEnd(log: EpochLog): void;
  /** Rows trained on so far, over all epochs; called after every fit. */
  onRows(rows: number): void;
}

/** How training ended. */
export interface Trained {
  /** Epochs completed. */
  epochs: number;
  /** Whether the signal stopped it before the last epoch ended. */
  stopped: boolean;
}

/** Where the rows come from: the file and how to read it. */
export interface Source {
  file: string;
  options: ReadOptions;
  dropMissing: boolean;
}

/** Trains the network on the file's rows for the settings' epochs, a buffer of rows per fit. */
export async function trainStreamed(
  network: Network,
  data: Preprocessing,
  source: Source,
  settings: StreamSettings,
  hooks: TrainingHooks,
): Promise<Trained> {
  const { epochs, batchSize } = settings;
  const buffer = new RowBuffer(Math.max(settings.shuffleBuffer, batchSize), network.inputs, network.outputs);
  const rng = Rng.fromSeed(settings.seed);
  let rowsDone = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const totals = { rows: 0, loss: 0, correct: 0, learningRate: 0 };
    // Fits the buffer's whole batches (all of its rows at the epoch's end); false once stopped.
    const fitBuffer = async (epochEnds: boolean): Promise<boolean> => {
      if (settings.shuffle) buffer.shuffle(rng);
      const rows = epochEnds ? buffer.rows : buffer.rows - (buffer.rows % batchSize);
      if (rows === 0) return true;
      const history = await network.fit(buffer.x(rows), buffer.y(rows), {
        epochs: 1,
        batchSize,
        shuffle: false,
        ...settings.step,
        signal: hooks.signal,
      });
      if (history.epochs === 0) return false;
      totals.rows += rows;
      totals.loss += history.loss[0]! * rows;
      totals.correct += (history.accuracy?.[0] ?? 0) * rows;
      totals.learningRate = history.learningRate[0]!;
      buffer.dropFirst(rows);
      rowsDone += rows;
      hooks.onRows(rowsDone);
      return !hooks.signal.aborted;
    };
    for await (const table of readTableChunks(source.file, source.options, CHUNK_ROWS)) {
      const { x, y, rows } = encode(table, data, source.dropMissing);
      for (let r = 0; r < rows;) {
        r += buffer.append(x, y, r, rows - r);
        if (buffer.full && !(await fitBuffer(false))) return { epochs: epoch - 1, stopped: true };
      }
    }
    if (!(await fitBuffer(true))) return { epochs: epoch - 1, stopped: true };
    const log: EpochLog = { epoch, loss: totals.loss / totals.rows, learningRate: totals.learningRate };
    if (data.labels) log.accuracy = totals.correct / totals.rows;
    hooks.onEpochEnd(log);
  }
  return { epochs, stopped: false };
}

/** Rows of inputs and targets, row-major, up to a capacity. */
class RowBuffer {
  readonly #x: Float32Array;
  readonly #y: Float32Array;
  readonly #inputs: number;
  readonly #outputs: number;
  readonly #capacity: number;
  rows = 0;

  constructor(capacity: number, inputs: number, outputs: number) {
    this.#capacity = capacity;
    this.#inputs = inputs;
    this.#outputs = outputs;
    this.#x = new Float32Array(capacity * inputs);
    this.#y = new Float32Array(capacity * outputs);
  }

  get full(): boolean {
    return this.rows === this.#capacity;
  }

  /** Copies up to `count` rows from row `from` of x and y; answers how many fitted. */
  append(x: Float32Array, y: Float32Array, from: number, count: number): number {
    const n = Math.min(count, this.#capacity - this.rows);
    this.#x.set(x.subarray(from * this.#inputs, (from + n) * this.#inputs), this.rows * this.#inputs);
    this.#y.set(y.subarray(from * this.#outputs, (from + n) * this.#outputs), this.rows * this.#outputs);
    this.rows += n;
    return n;
  }

  /** The inputs of the first `rows` rows. */
  x(rows: number): Float32Array {
    return this.#x.subarray(0, rows * this.#inputs);
  }

  /** The targets of the first `rows` rows. */
  y(rows: number): Float32Array {
    return this.#y.subarray(0, rows * this.#outputs);
  }

  /** Removes the first `rows` rows; the others move to the front. */
  dropFirst(rows: number): void {
    this.#x.copyWithin(0, rows * this.#inputs, this.rows * this.#inputs);
    this.#y.copyWithin(0, rows * this.#outputs, this.rows * this.#outputs);
    this.rows -= rows;
  }

  /** Shuffles the rows in place (Fisher–Yates, the swaps of Rng.shuffle). */
  shuffle(rng: Rng): void {
    for (let i = this.rows - 1; i > 0; i--) this.#swap(i, rng.below(i + 1));
  }

  #swap(a: number, b: number): void {
    if (a === b) return;
    for (const [values, width] of [[this.#x, this.#inputs], [this.#y, this.#outputs]] as const) {
      for (let j = 0; j < width; j++) {
        const t = values[a * width + j]!;
        values[a * width + j] = values[b * width + j]!;
        values[b * width + j] = t;
      }
    }
  }
}
