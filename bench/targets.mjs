// Issue 7's speed targets, judged on one run's results: each gives what it compares, the
// figures of this run and whether they meet it. A target whose libraries or shapes were not
// measured (a partial run, numpy absent) is reported as such, never as met.

import { bestCeiling } from './gemm.mjs';

// Libraries that are neither simdnet's own builds nor the native reference.
const isJsPeer = (library) => !library.startsWith('simdnet-') && library !== 'numpy';

/** [{ target, measured, verdict: 'met' | 'not met' | 'not measured' }] for the run's rows and GEMM results. */
export function judgeTargets(rows, gemm) {
  const median = (workload, library, kind = 'train') =>
    rows.find((r) => r.workload === workload && r.library === library)?.[kind]?.median;
  // One library's rate over another's, or undefined when either is missing.
  const over = (workload, mine, theirs, kind = 'train') => {
    const a = median(workload, mine, kind);
    const b = median(workload, theirs, kind);
    return a && b ? a / b : undefined;
  };
  const simdOver = (workload, library, kind) => over(workload, 'simdnet-simd', library, kind);
  const fastestJsPeer = (workload) =>
    rows
      .filter((r) => r.workload === workload && r.train && isJsPeer(r.library))
      .reduce((best, r) => (best && best.train.median >= r.train.median ? best : r), undefined)?.library;
  const inference = (workload, library, min) => [
    times(`${workload} batch`, simdOver(workload, library, 'infer'), min),
    times(`${workload} 1,024 rows`, simdOver(workload, library, 'inferBulk'), min),
  ];
  const w2Peer = fastestJsPeer('W2');
  const w4Shapes = gemm?.shapes?.filter((s) => s.usedBy.some((u) => u.startsWith('W4'))) ?? [];
  const ceiling = gemm?.ceiling && bestCeiling(gemm.ceiling);
  return [
    judged('W1 training ≥ 10× brain.js and ≥ 4× synaptic', [
      times('brain.js', simdOver('W1', 'brainjs'), 10),
      times('synaptic', simdOver('W1', 'synaptic'), 4),
    ]),
    judged('W2 training ≥ 5× the fastest JS peer', [times(w2Peer ?? 'no JS peer', w2Peer && simdOver('W2', w2Peer), 5)]),
    judged('W3 training ≥ 5× TF.js wasm', [times('tfjs-wasm', simdOver('W3', 'tfjs-wasm'), 5)]),
    judged('W3 training ≥ 30 % of numpy', [percent('numpy', simdOver('W3', 'numpy'), 30)]),
    judged('W4 training ≥ 20× TF.js wasm', [times('tfjs-wasm', simdOver('W4', 'tfjs-wasm'), 20)]),
    judged('W4 training ≥ 40 % of numpy', [percent('numpy', simdOver('W4', 'numpy'), 40)]),
    judged(
      'W4 GEMM shapes ≥ 75 % of the ceiling (medians)',
      w4Shapes.length && ceiling
        ? w4Shapes.map((s) => percent(`${s.form} ${s.m}×${s.n}×${s.k}`, s.simd.median / ceiling, 75))
        : [percent('GEMM', undefined, 75)],
    ),
    judged('W3 inference ≥ 1.3× TF.js wasm', inference('W3', 'tfjs-wasm', 1.3)),
    judged('W4 inference ≥ 1.3× TF.js wasm', inference('W4', 'tfjs-wasm', 1.3)),
    judged('Inference ≥ 10× brain.js everywhere', ['W1', 'W2', 'W3', 'W4'].flatMap((w) => inference(w, 'brainjs', 10))),
    judged(
      'The scalar build beats every JS peer on W2–W4 (training)',
      ['W2', 'W3', 'W4'].map((w) => {
        const peer = fastestJsPeer(w);
        return { ...times(w, peer && over(w, 'simdnet-scalar', peer), 1), strict: true };
      }),
    ),
  ];
}

// A figure: its label, this run's value (undefined: not measured) and the least value that meets it.
function times(label, value, min) {
  return { label, value, min, text: value === undefined ? '—' : `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}×` };
}

function percent(label, share, min) {
  const value = share === undefined ? undefined : 100 * share;
  return { label, value, min, text: value === undefined ? '—' : `${value.toFixed(0)} %` };
}

function judged(target, figures) {
  const meets = ({ value, min, strict }) => (strict ? value > min : value >= min);
  return {
    target,
    measured: figures.map((f) => `${f.label} ${f.text}`).join(', '),
    verdict: figures.some((f) => f.value === undefined) ? 'not measured' : figures.every(meets) ? 'met' : 'not met',
  };
}
