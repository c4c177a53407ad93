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
  /** Why the library cannot run this workload by design (synaptic on W3/W4, numpy absent). */
  unavailable?: string;
  error?: string;
}

export interface GemmResults {
  ceiling: { registers: { max: number }; cache: { max: number } } | null;
  shapes: { form: string; m: number; n: number; k: number; usedBy: string[]; simd: Rate }[];
}

export interface Judgement {
  target: string;
  measured: string;
  verdict: 'met' | 'not met' | 'not measured';
}

/** Issue 7's targets as the run's rows and GEMM results meet them. */
export function judgeTargets(rows: ResultRow[], gemm: GemmResults | undefined): Judgement[];
