// Types for core-latency.mjs, which tests import.

/** How long a cache line takes to cross between two cores: the median and each repetition's figure, in ns. */
export interface CoreToCore {
  oneWayNs: number;
  reps: number[];
}

export function measureCoreToCore(options?: { rounds?: number; reps?: number }): Promise<CoreToCore>;
