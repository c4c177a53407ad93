// The archived benchmark runs (bench/results/history/) follow the schema of its README, which
// bench/run.mjs writes, and BENCHMARKS.md reports the newest full run among them.

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { judgeGoals, type ResultRow } from '../bench/targets.mjs';

const dir = new URL('../bench/results/history/', import.meta.url);
const runs = readdirSync(dir)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => ({ name, run: JSON.parse(readFileSync(new URL(name, dir), 'utf8')) }));
const WORKLOADS = ['W1', 'W2', 'W3', 'W4'];
const LIBRARIES = [
  'simdnet-simd', 'simdnet-simd-2t', 'simdnet-auto', 'simdnet-pair', 'simdnet-scalar', 'simdnet-relaxed', 'brainjs', 'synaptic', 'tfjs-cpu', 'tfjs-wasm',
  'tfjs-wasm-browser', 'tfjs-wasm-2t', 'naive-js', 'numpy', 'numpy-2t',
];

// A row of results (or of busyCore): its figures, or why there are none.
function expectMeasuredOrExplained(row: ResultRow): void {
  if (row.train) expect(row.train.median).toBeGreaterThan(0);
  else expect(row.unavailable ?? row.error).toBeTypeOf('string');
}

describe('archived benchmark runs', () => {
  it('exist', () => {
    expect(runs.length).toBeGreaterThan(0);
  });

  it.each(runs)('$name is named by its date and commit and follows schema 1', ({ name, run }) => {
    expect(run.schema).toBe(1);
    expect(name).toBe(`${run.date.slice(0, 16).replace(':', '')}Z-${run.commit}.json`);
    expect(Number.isNaN(Date.parse(run.date))).toBe(false);
    for (const key of ['source', 'command', 'profile', 'wallSeconds', 'machine', 'versions', 'notes', 'results', 'gemm', 'goals']) {
      expect(run).toHaveProperty(key);
    }
    for (const row of run.results as ResultRow[]) {
      expect(WORKLOADS).toContain(row.workload);
      expect(LIBRARIES).toContain(row.library);
      expectMeasuredOrExplained(row);
    }
    // Where measured, a cache line's crossing between two cores: each repetition's figure, and their median.
    if (run.machine.coreToCore?.reps) {
      const { oneWayNs, reps } = run.machine.coreToCore;
      expect(reps.length).toBeGreaterThan(0);
      expect([...reps].sort((a: number, b: number) => a - b)[reps.length >> 1]).toBe(oneWayNs);
    }
    // With a core busy: simdnet's thread settings on one workload, each row as in results.
    if (run.busyCore?.rows) {
      expect(WORKLOADS).toContain(run.busyCore.workload);
      for (const row of run.busyCore.rows as ResultRow[]) {
        expect(row.workload).toBe(run.busyCore.workload);
        expect(['simdnet-simd', 'simdnet-simd-2t', 'simdnet-auto']).toContain(row.library);
        expectMeasuredOrExplained(row);
      }
    }
    // Today's goals can be judged on any archived run, on what it recorded.
    const goals = judgeGoals(run.results, run.gemm ?? undefined);
    expect(goals.length).toBeGreaterThan(0);
    for (const { measured } of goals) expect(measured).not.toMatch(/NaN|undefined/);
  });

  it('include the run BENCHMARKS.md reports: the newest full one', () => {
    const full = runs.filter(({ run }) => run.command === 'npm run bench' && run.profile === 'full').at(-1)!.run;
    const report = readFileSync(new URL('../BENCHMARKS.md', import.meta.url), 'utf8');
    expect(report).toContain(`${full.date.slice(0, 10)}, commit ${full.commit}`);
  });
});
