// Early stopping: ends a fit once the monitored quantity has stopped improving,
// with Keras's options and defaults (keras.callbacks.EarlyStopping).

import { boolean, choice, finite, integer, orDefault, plainObject } from '../validate.js';
import { type EpochValues, improves, type Monitor, MONITORS } from './monitor.js';

/** fit's earlyStopping option. */
export interface EarlyStoppingOptions {
  /** The epoch value watched (default 'valLoss', which needs validation rows). */
  monitor?: Monitor;
  /**
   * Epochs without improvement tolerated before stopping (default 0). As in Keras, 0 and 1 both
   * stop at the first epoch that does not improve.
   */
  patience?: number;
  /** How much a value must beat the best so far to count as an improvement (default 0). */
  minDelta?: number;
  /**
   * When fit ends (by early stopping or after its last epoch, not by an abort or an error), put
   * the network back as the best epoch left it (default false).
   */
  restoreBestWeights?: boolean;
}

export type EarlyStoppingSpec = Required<EarlyStoppingOptions>;

const KEYS = ['monitor', 'patience', 'minDelta', 'restoreBestWeights'];

export function parseEarlyStopping(value: unknown): EarlyStoppingSpec | undefined {
  if (value === undefined) return undefined;
  const o = plainObject(value, 'earlyStopping', KEYS);
  return {
    monitor: orDefault(o.monitor, 'valLoss' as Monitor, (v) => choice(v, 'earlyStopping.monitor', MONITORS)),
    patience: orDefault(o.patience, 0, (v) => integer(v, 'earlyStopping.patience', 0, 2 ** 31 - 1)),
    minDelta: orDefault(o.minDelta, 0, (v) => finite(v, 'earlyStopping.minDelta', { min: 0 })),
    restoreBestWeights: orDefault(o.restoreBestWeights, false, (v) => boolean(v, 'earlyStopping.restoreBestWeights')),
  };
}

/** Watches one fit's epochs. */
export class EarlyStopping {
  /** The best epoch so far (from 1), 0 before the first. */
  bestEpoch = 0;
  #best: number | undefined;
  #wait = 0;

  constructor(readonly spec: EarlyStoppingSpec) {}

  /** Takes epoch `epoch`'s values; says whether it is the best so far, and whether to stop after it. */
  observe(epoch: number, values: EpochValues): { improved: boolean; stop: boolean } {
    const value = values[this.spec.monitor]!;
    this.#wait++;
    if (improves(this.spec.monitor, this.spec.minDelta, value, this.#best)) {
      this.#best = value;
      this.bestEpoch = epoch;
      this.#wait = 0;
      return { improved: true, stop: false };
    }
    return { improved: false, stop: this.#wait >= this.spec.patience };
  }
}
