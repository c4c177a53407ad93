// Types for bench/targets.mjs, which a test imports.

export interface Rate {
  median: number;
}

export interface ResultRow {
  workload: string;
  library: string;
  train?: Rate;
  infer?: Rate;
  inferBulk?: Rate;
  /** simdnet only: one call of predictInto per batch, into a kept array. */
  inferInto?: Rate;
  /** Why the library cannot run this workload by design (synaptic on W3/W4, numpy absent). */
  unavailable?: string;
  error?: string;
}

export interface GemmResults {
  ceiling: { registers: { max: number }; cache: { max: number } } | null;
  shapes: {
    form: string; m: number; n: number; k: number; usedBy: string[];
    /** The median, and its share of the ceiling in per cent where derived or recorded. */
    simd: { median?: number; percentOfCeiling?: { median: number; best?: number } };
  }[];
  /** W1's floor in rows/s (bench/ceiling.ts tinyRowLoop); null or absent when W1 was not measured. */
  w1Floor?: { median: number } | null;
}

/** The memory of many small networks alive at once (bench/many-networks.mjs), or why it failed. */
export interface ManyNetworksResult {
  count?: number;
  shape?: string;
  /** Growth of the process's resident set from before the first network to after the last. */
  rssBytes?: number;
  error?: string;
}

export interface Judgement {
  goal: string;
  measured: string;
  verdict: 'met' | 'not met' | 'not measured';
}

/** The performance goals as the run's rows, GEMM results and many networks' memory meet them. */
export function judgeGoals(rows: ResultRow[], gemm: GemmResults | undefined, manyNetworks?: ManyNetworksResult): Judgement[];
