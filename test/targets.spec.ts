// The benchmark's verdict on simdnet's performance goals (bench/targets.mjs), on made-up
// results: which peer each goal is set against, where its thresholds lie, and what a partial
// run reports.

import { describe, expect, it } from 'vitest';
import { type GemmResults, judgeGoals, type ManyNetworksResult, type ResultRow } from '../bench/targets.mjs';

const WORKLOADS = ['W1', 'W2', 'W3', 'W4'];

// simdnet SIMD at 1000 on every measurement, each peer at 1000 / its ratio.
function run(ratios: Record<string, number>, omit: string[] = []): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const workload of WORKLOADS) {
    for (const [library, ratio] of Object.entries({ 'simdnet-simd': 1, ...ratios })) {
      if (omit.includes(library)) continue;
      const rate = { median: 1000 / ratio };
      rows.push({ workload, library, train: rate, infer: rate, inferBulk: rate, ...(library === 'simdnet-simd' && { inferInto: rate }) });
    }
  }
  return rows;
}

// Every goal met, with some margin: brain.js 20× behind, synaptic 5×, TF.js wasm 25×, the
// scalar build 2× behind simdnet SIMD but ahead of every JS peer, numpy 2× ahead (50 %).
// Two threads 2× as fast as one, 'auto' as fast as one thread, numpy on two threads 1.25× ahead
// of simdnet on two (80 %).
const MET = {
  brainjs: 20, synaptic: 5, 'tfjs-wasm': 25, 'tfjs-cpu': 40, 'naive-js': 6, 'simdnet-scalar': 2, numpy: 0.5,
  'simdnet-simd-2t': 0.5, 'simdnet-auto': 1, 'numpy-2t': 0.4,
};

// W1's floor where simdnet SIMD's W1 training (1000 rows/s in run()) is `percent` % of it.
const floorAt = (percent: number) => ({ median: (1000 * 100) / percent });

function gemm(percents: Record<string, number>, w1FloorPercent = 80): GemmResults {
  return {
    ceiling: { registers: { max: 40 }, cache: { max: 30 } },
    w1Floor: floorAt(w1FloorPercent),
    shapes: Object.entries(percents).map(([usedBy, percent], i) => ({
      form: 'NN', m: 128, n: 1024, k: i + 1, usedBy: [usedBy], simd: { median: (40 * percent) / 100 },
    })),
  };
}

// 1,000 networks of 64-32-10 that grew the resident set by this many MB.
const networks = (megabytes: number): ManyNetworksResult => ({ count: 1000, shape: '64-32-10', rssBytes: megabytes * 2 ** 20 });
const FEW_MB = networks(40);

// manyNetworks null: not run.
const verdicts = (rows: ResultRow[], g: GemmResults | undefined, manyNetworks: ManyNetworksResult | null = FEW_MB) =>
  Object.fromEntries(judgeGoals(rows, g, manyNetworks ?? undefined).map((t) => [t.goal, t.verdict]));
const W4_MET = gemm({ 'W4 L1': 80, 'W3 L1': 10 });
const MANY_NETWORKS_GOAL = '1,000 networks of 64-32-10 alive at once: under 100 MB RSS';
const W1_TRAINING_GOAL = 'W1 training ≥ 70 % of its floor, ≥ 1.3× synaptic and ≥ 2× brain.js';

describe('performance goals in the benchmark report', () => {
  it('are all met by results that meet them, whatever W3 shapes reach in the GEMM table', () => {
    expect(new Set(Object.values(verdicts(run(MET), W4_MET)))).toEqual(new Set(['met']));
  });

  it('hold 1,000 small networks under 100 MB of resident set, printed rounded up', () => {
    const judge = (result: ManyNetworksResult | undefined) => judgeGoals(run(MET), W4_MET, result).find((t) => t.goal === MANY_NETWORKS_GOAL);
    expect(judge(networks(99.9))).toMatchObject({ measured: 'resident set growth 99.9 MB', verdict: 'met' });
    expect(judge(networks(100))).toMatchObject({ measured: 'resident set growth 100.0 MB', verdict: 'not met' });
    // 99.91 MB is under the limit, and prints as 100.0: a figure over it never prints as under.
    expect(judge(networks(99.91))).toMatchObject({ measured: 'resident set growth 100.0 MB', verdict: 'met' });
    expect(judge(networks(100.01))).toMatchObject({ measured: 'resident set growth 100.1 MB', verdict: 'not met' });
    expect(judge({ error: 'exited with code 1' })).toMatchObject({ measured: 'resident set growth —', verdict: 'not measured' });
    expect(judge(undefined)?.verdict).toBe('not measured');
  });

  it('set W2 against the fastest JavaScript peer, not numpy or simdnet scalar', () => {
    // naive JS at 4× behind is the fastest JS peer: W2's 5× is missed although brain.js is 20× behind.
    const judged = judgeGoals(run({ ...MET, 'naive-js': 4 }), gemm({ 'W4 L1': 80 }));
    const w2 = judged.find((t) => t.goal.startsWith('W2'))!;
    expect(w2).toMatchObject({ measured: 'naive-js 4.00×', verdict: 'not met' });
  });

  it('meet a threshold at equality, except the scalar build, which must beat its peer', () => {
    const edge = { ...MET, brainjs: 2, synaptic: 1.3, numpy: 0.4, 'tfjs-wasm': 20, 'simdnet-scalar': 1.3 };
    const atEdge = verdicts(run(edge), gemm({ 'W4 L1': 75 }, 70));
    expect(atEdge[W1_TRAINING_GOAL]).toBe('met');
    expect(atEdge['W4 training ≥ 40 % of numpy']).toBe('met');
    expect(atEdge['W4 training ≥ 20× TF.js wasm']).toBe('met');
    expect(atEdge["W4 hidden layers' GEMM shapes ≥ 75 % of the ceiling (medians)"]).toBe('met');
    // The scalar build level with synaptic, the fastest JS peer (1.3× behind simdnet SIMD): not beating it.
    expect(atEdge['The scalar build trains W2–W4 faster than every JS peer']).toBe('not met');
  });

  it('judge threads: two over one at 1.8×, auto within 5 % of one thread, two against numpy on two', () => {
    const short = verdicts(run({ ...MET, 'simdnet-simd-2t': 1 / 1.79, 'simdnet-auto': 1 / 0.94, 'numpy-2t': 1 / 3.7 }), W4_MET);
    expect(short['W3 and W4 ≥ 1.8× on 2 threads over 1: training and 1,024-row inference']).toBe('not met');
    expect(short["W1 and W2 with threads 'auto' train within 5 % of one thread"]).toBe('not met');
    const edge = verdicts(run({ ...MET, 'simdnet-simd-2t': 1 / 1.8, 'simdnet-auto': 1 / 0.95, 'numpy-2t': 1 / 3.6 }), W4_MET);
    expect(edge['W3 and W4 ≥ 1.8× on 2 threads over 1: training and 1,024-row inference']).toBe('met');
    expect(edge["W1 and W2 with threads 'auto' train within 5 % of one thread"]).toBe('met');
    // simdnet on two threads at 1800 against numpy on two at 3600: 50 %, which meets W3's goal and W4's.
    expect(edge['On 2 threads, W3 training ≥ 50 % and W4 ≥ 40 % of numpy on 2 threads']).toBe('met');
    expect(short['On 2 threads, W3 training ≥ 50 % and W4 ≥ 40 % of numpy on 2 threads']).toBe('not met');
  });

  it('print a figure just short of its threshold rounded down, not up to it', () => {
    const judged = judgeGoals(run({ ...MET, numpy: 0.2996, 'tfjs-wasm': 4.996 }), W4_MET);
    expect(judged.find((t) => t.goal === 'W3 training ≥ 30 % of numpy')).toMatchObject({ measured: 'numpy 29.9 %', verdict: 'not met' });
    expect(judged.find((t) => t.goal === 'W3 training ≥ 5× TF.js wasm')).toMatchObject({ measured: 'tfjs-wasm 4.99×', verdict: 'not met' });
  });

  it("judge the GEMM goal on W4's hidden-layer shapes, each against the better of the two ceiling loops", () => {
    // 29 GFLOP/s is 72.5 % of the 40 GFLOP/s register loop, though 97 % of the cache loop's 30.
    const judged = verdicts(run(MET), gemm({ 'W4 L1': 80, 'W4 L2': 72.5 }));
    expect(judged["W4 hidden layers' GEMM shapes ≥ 75 % of the ceiling (medians)"]).toBe('not met');
  });

  it("leave W4's output-layer shapes out of the GEMM goal", () => {
    const judged = judgeGoals(run(MET), gemm({ 'W4 L1': 80, 'W4 L3': 40 }));
    const goal = judged.find((t) => t.goal.includes('GEMM'))!;
    expect(goal).toMatchObject({ measured: 'NN 128×1024×1 80.0 %', verdict: 'met' });
  });

  it('fail W1 training on its floor or either peer alone, and leave it unjudged without the floor', () => {
    expect(verdicts(run(MET), gemm({ 'W4 L1': 80 }, 69.9))[W1_TRAINING_GOAL]).toBe('not met');
    expect(verdicts(run({ ...MET, synaptic: 1.29 }), W4_MET)[W1_TRAINING_GOAL]).toBe('not met');
    expect(verdicts(run({ ...MET, brainjs: 1.9 }), W4_MET)[W1_TRAINING_GOAL]).toBe('not met');
    const noFloor = judgeGoals(run(MET), { ...W4_MET, w1Floor: null }).find((t) => t.goal === W1_TRAINING_GOAL);
    expect(noFloor).toMatchObject({ measured: 'floor —, synaptic 5.00×, brain.js 20.0×', verdict: 'not measured' });
  });

  it('judge W1 one-row inference against the fastest JS peer, through predict and predictInto each', () => {
    const goal = (rows: ResultRow[]) => judgeGoals(rows, W4_MET).find((t) => t.goal.startsWith('W1 one-row inference'))!;
    const rows = run(MET);
    const naive = rows.find((r) => r.workload === 'W1' && r.library === 'naive-js')!;
    naive.infer = { median: 1000 / 1.2 };
    expect(goal(rows)).toMatchObject({ verdict: 'met', measured: 'predict over naive-js 1.20×, predictInto over naive-js 1.20×' });
    naive.infer = { median: 1000 / 1.19 };
    expect(goal(rows).verdict).toBe('not met');
    naive.infer = { median: 1000 / 1.5 };
    const simd = rows.find((r) => r.workload === 'W1' && r.library === 'simdnet-simd')!;
    simd.inferInto = { median: 1000 / 1.5 * 1.1 };
    expect(goal(rows)).toMatchObject({ verdict: 'not met', measured: 'predict over naive-js 1.50×, predictInto over naive-js 1.10×' });
    delete simd.inferInto;
    expect(goal(rows).verdict).toBe('not measured');
  });

  it('judge inference against brain.js on 1,024-row calls of every workload, not on one-batch calls', () => {
    const rows = run(MET);
    const w1 = rows.find((r) => r.workload === 'W1' && r.library === 'brainjs')!;
    // A one-row call is mostly the cost of a call, for either library.
    w1.infer = { median: 1000 / 1.3 };
    const goal = () => judgeGoals(rows, W4_MET).find((t) => t.goal.startsWith('Inference'))!;
    expect(goal().verdict).toBe('met');
    w1.inferBulk = { median: 1000 / 9.9 };
    expect(goal()).toMatchObject({ verdict: 'not met', measured: 'W1 9.90×, W2 20.0×, W3 20.0×, W4 20.0×' });
  });

  it('judge the scalar build on training only, against the fastest JS peer of each workload', () => {
    // TF.js wasm predicts 1,024-row blocks at simdnet SIMD's rate, 2× ahead of the scalar build,
    // though 25× behind in training.
    const rows = run(MET);
    for (const r of rows.filter((r) => r.library === 'tfjs-wasm' && r.workload === 'W4')) r.inferBulk = { median: 1000 };
    expect(judgeGoals(rows, W4_MET).find((t) => t.goal.startsWith('The scalar build'))).toMatchObject({
      measured: 'W2 over synaptic 2.50×, W3 over synaptic 2.50×, W4 over synaptic 2.50×',
      verdict: 'met',
    });
  });

  it('count neither a multi-threaded run, a run in a browser nor an opt-in simdnet build as the fastest JS peer', () => {
    const judged = judgeGoals(run({ ...MET, 'tfjs-wasm-2t': 1, 'tfjs-wasm-browser': 1, 'simdnet-relaxed': 0.5 }), W4_MET);
    expect(judged.find((t) => t.goal.startsWith('W2'))).toMatchObject({ measured: 'synaptic 5.00×', verdict: 'met' });
  });

  it('leave out a peer that cannot run the workload by design, but not one that failed', () => {
    const rows = run(MET).filter((r) => !(r.library === 'synaptic' && r.workload !== 'W1'));
    rows.push({ workload: 'W2', library: 'synaptic', unavailable: 'an object per connection' });
    // W2's fastest JS peer is now naive JS, 6× behind.
    expect(judgeGoals(rows, W4_MET).find((t) => t.goal.startsWith('W2'))).toMatchObject({ measured: 'naive-js 6.00×', verdict: 'met' });
    const failed = rows.filter((r) => !(r.library === 'synaptic' && r.workload === 'W2'));
    failed.push({ workload: 'W2', library: 'synaptic', error: 'timed out after 600 s' });
    expect(judgeGoals(failed, W4_MET).find((t) => t.goal.startsWith('W2'))).toMatchObject({
      measured: 'synaptic (fastest JS peer unknown) —',
      verdict: 'not measured',
    });
  });

  it('report not met when a measured figure misses, though another figure is missing', () => {
    const judged = verdicts(run({ ...MET, brainjs: 1.9 }, ['synaptic']), W4_MET);
    expect(judged[W1_TRAINING_GOAL]).toBe('not met');
  });

  it('report what a partial run did not measure as not measured, never as met', () => {
    const judged = verdicts(run(MET, ['numpy', 'synaptic']), undefined, null);
    expect(judged['W3 training ≥ 30 % of numpy']).toBe('not measured');
    expect(judged[W1_TRAINING_GOAL]).toBe('not measured');
    expect(judged["W4 hidden layers' GEMM shapes ≥ 75 % of the ceiling (medians)"]).toBe('not measured');
    expect(judged[MANY_NETWORKS_GOAL]).toBe('not measured');
    expect(judged['W3 training ≥ 5× TF.js wasm']).toBe('met');
    // A run without naive JS does not know W2's fastest peer, though every peer it measured is far behind.
    expect(verdicts(run(MET, ['naive-js']), W4_MET)['W2 training ≥ 5× the fastest JS peer']).toBe('not measured');
  });
});
