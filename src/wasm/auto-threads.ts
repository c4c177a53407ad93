// How an 'auto' network on several threads chooses, as it trains and as it predicts, between its
// threads and the calling thread alone.
//
// Every pass split across threads waits for its slowest thread, so a core that other work holds
// (another process, a virtual machine's neighbours) stalls every pass; one thread, which the
// system then runs on a free core, can train faster than all of them (784-128-64-10 on a 2-core
// VM with the other core busy: 54-63k samples/s on two threads, 86-87k on one). The results are
// the same bits on any number of threads, so the choice may follow the measured speed: the calls
// run on the threads, now and then a stretch of them (a probe) runs on the leader alone, and
// whichever of the two took less time per unit of work (a batch of training, a row predicted) is
// kept. The probes thin out while they confirm the choice, so where the threads pay they cost
// little. Training and prediction choose apart: their units differ.

/**
 * When to probe and when to switch. Tests make every call a measurement and every probe a switch,
 * to run one fit's calls on the threads and alone in turn and compare the bits.
 */
export const autoThreadsTuning = {
  /** Measurements between two probes at first, and again after the choice changes. */
  firstProbeAfter: 8,
  /** The most measurements between two probes, reached by doubling while the probes confirm the choice. */
  lastProbeAfter: 128,
  /** The time per unit a probe must stay under, as a share of the running choice's, to replace it. */
  switchBelow: 0.9,
  /** Milliseconds one measurement spans at least: shorter calls add up until they reach it. */
  measuredMs: 10,
};

/**
 * Measurements of the running choice that a probe is held against, the latest (their mean): few,
 * so that the first calls of a network, before the engine has optimised its code, drop out soon.
 */
const RECENT = 4;

export class AutoThreads {
  /** Whether the calls run on the leader alone now. */
  #alone = false;
  /** Whether the measurement under way runs on the other choice. */
  #probing = false;
  #untilProbe = autoThreadsTuning.firstProbeAfter;
  #probeAfter = autoThreadsTuning.firstProbeAfter;
  /** Milliseconds per unit of the running choice's latest measurements, the latest last. */
  readonly #recent: number[] = [];
  #batchSize = 0;
  #units = 0;
  #ms = 0;

  /** threads: the network's count (more than one). */
  constructor(readonly threads: number) {}

  /** Starts a fit of batches of batchSize rows: a new size makes the time per batch so far meaningless. */
  begin(batchSize: number): void {
    if (batchSize === this.#batchSize) return;
    this.#batchSize = batchSize;
    this.#recent.length = 0;
    this.#probing = false;
    this.#untilProbe = Math.max(1, this.#untilProbe);
    this.#units = this.#ms = 0;
  }

  /** The threads the next call runs on. */
  get next(): number {
    return this.#alone !== this.#probing ? 1 : this.threads;
  }

  /** Counts a call that did `units` units of work (batches of one size, or rows) on `next` threads in `ms` ms. */
  record(units: number, ms: number): void {
    this.#units += units;
    this.#ms += ms;
    if (this.#ms < autoThreadsTuning.measuredMs || this.#units === 0) return;
    const msPerUnit = this.#ms / this.#units;
    this.#units = this.#ms = 0;
    if (this.#probing) {
      const running = this.#recent.reduce((sum, ms) => sum + ms, 0) / this.#recent.length;
      if (msPerUnit < running * autoThreadsTuning.switchBelow) {
        this.#alone = !this.#alone;
        this.#recent.length = 0;
        this.#recent.push(msPerUnit);
        this.#probeAfter = autoThreadsTuning.firstProbeAfter;
      } else {
        this.#probeAfter = Math.min(2 * this.#probeAfter, autoThreadsTuning.lastProbeAfter);
      }
      this.#untilProbe = this.#probeAfter;
      this.#probing = false;
      return;
    }
    if (this.#recent.push(msPerUnit) > RECENT) this.#recent.shift();
    this.#probing = --this.#untilProbe <= 0;
  }
}
