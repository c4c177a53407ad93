// What a fit does in TypeScript between two epochs: the reduce-on-plateau rate and
// early stopping, both judged on the epoch's results. A fit that has either (or a
// callback) ends each call into wasm at an epoch's end, so the rate and the
// decision to stop take effect from the next epoch's first batch.

import type { EpochLog, FitPlan } from '../fit-options.js';
import { EarlyStopping } from './early-stopping.js';
import { type PlateauState, plateauEpoch } from './schedule.js';

/** Whether a fit's calls into wasm must end at every epoch's end, for something between epochs. */
export function epochByEpoch(plan: FitPlan): boolean {
  return Boolean(plan.onEpochEnd || plan.onBatchEnd || plan.earlyStopping || plan.schedule?.type === 'reduceOnPlateau');
}

export class BetweenEpochs {
  /** The plateau's position, moved by each epoch (null without a reduceOnPlateau schedule). */
  readonly plateau: PlateauState | null;
  readonly #stopping: EarlyStopping | undefined;

  /** plateau: where the plateau stands as the fit begins (this object keeps a copy). */
  constructor(readonly plan: FitPlan, plateau: PlateauState | null) {
    this.plateau = plateau && { ...plateau };
    this.#stopping = plan.earlyStopping && new EarlyStopping(plan.earlyStopping);
  }

  /** With early stopping, the best epoch so far (from 1). */
  get bestEpoch(): number | undefined {
    return this.#stopping && this.#stopping.bestEpoch > 0 ? this.#stopping.bestEpoch : undefined;
  }

  /**
   * Takes the log of the epoch that just ended: moves the plateau, and says whether the network
   * as it stands is to be kept (the best epoch so far, with restoreBestWeights) and whether to stop.
   */
  after(log: EpochLog): { keep: boolean; stop: boolean } {
    const schedule = this.plan.schedule;
    if (this.plateau && schedule?.type === 'reduceOnPlateau') plateauEpoch(schedule, this.plateau, log);
    if (!this.#stopping) return { keep: false, stop: false };
    const { improved, stop } = this.#stopping.observe(log.epoch, log);
    return { keep: improved && this.#stopping.spec.restoreBestWeights, stop };
  }
}
