// Turns the results of a run into the printed tables (plain text that is also Markdown).

import { bestCeiling } from './gemm.mjs';
import { BASELINE, MEASUREMENTS, PEERS } from './peers/index.mjs';
import { INFER_BLOCK, parameterCount, WORKLOADS } from './workloads.mjs';

/** Workloads for which GFLOP/s is reported (the others are too small for it to mean much). */
const GFLOP_WORKLOADS = new Set(['W3', 'W4']);

/**
 * Adds ratios and GFLOP/s to each row (simdnet SIMD's median over the peer's, per figure), and
 * to each GEMM kernel its median and best repetition as percentages of its build's ceiling.
 */
export function derive(rows, gemm) {
  for (const shape of gemm?.shapes ?? []) {
    for (const [build, ceiling] of [['simd', gemm.ceiling], ['relaxed', gemm.relaxedCeiling]]) {
      const result = shape[build];
      if (!result || !ceiling) continue;
      const best = bestCeiling(ceiling);
      result.percentOfCeiling = { median: (100 * result.median) / best, best: (100 * result.max) / best };
    }
  }
  for (const row of rows) {
    const base = rows.find((r) => r.workload === row.workload && r.library === BASELINE);
    const params = parameterCount(WORKLOADS.find((w) => w.id === row.workload));
    for (const kind of MEASUREMENTS) {
      if (!row[kind]) continue;
      if (base?.[kind]) row[`${kind}Ratio`] = base[kind].median / row[kind].median;
      if (GFLOP_WORKLOADS.has(row.workload)) row[`${kind}Gflops`] = (row[kind].median * (kind === 'train' ? 6 : 2) * params) / 1e9;
    }
  }
  return rows;
}

/** The workload × library table. */
export function resultsTable(rows) {
  const header = [
    'Workload', 'Library', 'Train samples/s (min–max)', 'SIMD ÷ this', 'Infer, batch per call', 'SIMD ÷ this',
    'Infer into a kept array, batch per call', 'SIMD ÷ this',
    `Infer, ${INFER_BLOCK} rows per call`, 'SIMD ÷ this', 'Train GFLOP/s', 'Infer GFLOP/s (batch / bulk)',
    'wasm B/param', 'Peak RSS MB',
  ];
  const body = rows.map((r) => {
    const label = PEERS.find((p) => p.id === r.library)?.label ?? r.library;
    if (!r.train) return [r.workload, label, r.unavailable ? 'absent (see below)' : 'unavailable (see below)'];
    return [
      r.workload, label,
      spread(r.train), ratio(r.trainRatio), spread(r.infer), ratio(r.inferRatio),
      r.inferInto ? spread(r.inferInto) : '—', ratio(r.inferIntoRatio),
      spread(r.inferBulk), ratio(r.inferBulkRatio),
      fixed(r.trainGflops, 2), r.inferGflops === undefined ? '—' : `${fixed(r.inferGflops, 2)} / ${fixed(r.inferBulkGflops, 2)}`,
      fixed(r.wasmBytesPerParam, 1), fixed(r.peakRssBytes / 2 ** 20, 0),
    ];
  });
  return markdown(header, body);
}

/** The GEMM micro-benchmark beside its ceiling, the opt-in relaxed build beside its own. */
export function gemmTable(gemm) {
  if (gemm.error) return `GEMM micro-benchmark unavailable: ${gemm.error}`;
  if (gemm.shapes.length === 0) return ''; // W1 alone: no products, only its floor
  const describe = ({ registers, cache }) => `registers ${fixed(registers.max, 2)} GFLOP/s, L1-resident panel ${fixed(cache.max, 2)} GFLOP/s`;
  // The ceiling is the loops' best repetition; a kernel's median is set against it, and so,
  // like for like, is the kernel's own best repetition (derive).
  const percent = (result) => (result?.percentOfCeiling ? `${result.percentOfCeiling.median.toFixed(0)}% (${result.percentOfCeiling.best.toFixed(0)}%)` : '—');
  const header = [
    'Form', 'M×N×K', 'Used by', 'SIMD GFLOP/s', '% of ceiling: median (best)', 'relaxed GFLOP/s',
    '% of relaxed ceiling: median (best)', 'scalar GFLOP/s',
  ];
  const body = gemm.shapes.map((s) => [
    s.form, `${s.m}×${s.n}×${s.k}`, s.usedBy.join(', '), fixed(s.simd.median, 2), percent(s.simd),
    s.relaxed ? fixed(s.relaxed.median, 2) : 'unavailable', percent(s.relaxed), fixed(s.scalar.median, 2),
  ]);
  const relaxed = gemm.relaxedCeiling
    ? `relaxed_madd loops (opt-in relaxed build only; the SIMD percentages use the mul+add ceiling): ${describe(gemm.relaxedCeiling)}`
    : 'relaxed build and its ceiling unavailable (this engine lacks relaxed SIMD)';
  return (
    `Ceiling (best f32x4 mul+add loop, same core): ${describe(gemm.ceiling)}; ${relaxed}; kernels are medians, their best repetitions in brackets\n\n` +
    markdown(header, body)
  );
}

/** The performance goals as this run meets them (bench/targets.mjs judges them). */
export function goalsTable(goals) {
  const body = goals.map((g) => [g.goal, g.measured, g.verdict]);
  return (
    `${markdown(['Performance goal', 'This run', 'Verdict'], body)}\n\n` +
    "Ratios are simdnet SIMD's median over the peer's (the last row: the scalar build's over the " +
    'fastest one-core JavaScript peer of the workload); GEMM shares are the medians against the ' +
    "GEMM table's ceiling, the better of its two f32x4 mul+add loops. Figures are rounded down."
  );
}

/**
 * W1's floor (bench/ceiling.ts tinyRowLoop) and each library's W1 training rate as a share of
 * it; empty when the floor was not measured.
 */
export function floorLine(gemm, rows) {
  if (!gemm?.w1Floor) return '';
  const floor = gemm.w1Floor;
  const shares = rows
    .filter((r) => r.workload === 'W1' && r.train)
    .map((r) => `${PEERS.find((p) => p.id === r.library)?.label ?? r.library} ${((100 * r.train.median) / floor.median).toFixed(0)}%`);
  return (
    `W1 floor: ${compact(floor.median)} rows/s (${compact(floor.min)}–${compact(floor.max)}), a register-resident 2-2-2 row step ` +
    "(bench/ceiling.ts tinyRowLoop: the library's arithmetic and bits, no bookkeeping), the chain from one row's update through " +
    `the next row's two sigmoids to its update. W1 training as a share of it: ${shares.join(', ') || 'no library measured'}.`
  );
}

/** The memory of many small networks alive at once (bench/many-networks.mjs), in one sentence. */
export function manyNetworksLine(result) {
  if (result.error) return `Many small networks: unavailable: ${result.error}`;
  const { count, shape, rows, rssBytes, wasmBytes, createSeconds, seconds } = result;
  const megabytes = (bytes) => fixed(bytes / 2 ** 20, 1);
  return (
    `Many small networks: ${count.toLocaleString('en')} networks of ${shape} alive at once, each after one fit of ${rows} rows ` +
    `and one predict, in a process of their own: resident set +${megabytes(rssBytes)} MB (${fixed(rssBytes / count / 1024, 1)} KB ` +
    `a network; the library's wasm memory then ${megabytes(wasmBytes)} MB); Network.create ${fixed(createSeconds, 2)} s in all ` +
    `(${fixed((1000 * createSeconds) / count, 2)} ms each), with the fits and predictions ${fixed(seconds, 2)} s.`
  );
}

/** How long a cache line takes to cross between two cores (bench/core-latency.mjs). */
export function coreToCoreLine(result) {
  if (result.error) return `Cache line between two cores: unavailable: ${result.error}`;
  return (
    `Cache line between two cores: ${fixed(result.oneWayNs, 0)} ns one way (half a round trip of a value two threads ` +
    `take turns to write; median of ${result.reps.length} repetitions, ${fixed(Math.min(...result.reps), 0)}–` +
    `${fixed(Math.max(...result.reps), 0)} ns).`
  );
}

/** simdnet on one thread, two and 'auto' with the first core busy (bench/run.mjs measureBesideBusyCore). */
export function busyCoreTable(result) {
  if (result.unavailable) return `With a core busy: not measured (${result.unavailable})`;
  const one = result.rows.find((r) => r.library === BASELINE);
  const header = ['Library', 'Train samples/s (min–max)', '÷ one thread', `Infer, ${INFER_BLOCK} rows per call`, '÷ one thread'];
  const body = result.rows.map((r) => {
    const label = PEERS.find((p) => p.id === r.library)?.label ?? r.library;
    if (!r.train) return [label, r.unavailable ?? r.error];
    return [label, spread(r.train), ratio(r.train.median / one?.train?.median), spread(r.inferBulk), ratio(r.inferBulk.median / one?.inferBulk?.median)];
  });
  return `${result.workload} with another process spinning on core 0 (one thread runs on the free core):\n\n${markdown(header, body)}`;
}

/** `simdnet train` on a file larger than memory (bench/large-file.mjs): a table and the machine's memory. */
export function largeFileTable(result) {
  const gb = (bytes) => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`);
  const mb = (bytes) => (bytes == null ? '—' : `${(bytes / 2 ** 20).toFixed(0)} MiB`);
  const header = ['File', 'Rows', 'Read', 'Wall s', 'Rows/s', 'Peak RSS', 'Training accuracy'];
  const body = result.runs.map((r) => [
    gb(r.fileBytes), r.rows.toLocaleString('en'), r.mode === 'stream' ? 'streamed' : 'held whole',
    ...(r.error
      ? [fixed(r.seconds, 0), '—', mb(r.peakRssBytes), `failed: ${r.error}`]
      : [fixed(r.seconds, 0), compact(r.rowsPerSecond), mb(r.peakRssBytes), r.accuracy == null ? '—' : `${(100 * r.accuracy).toFixed(1)}%`]),
  ]);
  return (
    `simdnet train on a file larger than memory: \`${result.command}\`, one child process a run (not pinned), ` +
    `its peak resident set read inside it; the process with nothing read peaks at ${mb(result.baselineRssBytes)}. ` +
    `Machine memory ${gb(result.totalBytes)}, ${gb(result.freeBytes)} available at the start. ` +
    'Wall time and rows/s cover the whole command (the first pass over the file and the epoch).\n\n' +
    markdown(header, body)
  );
}

/** Per-library caveats that the table's numbers depend on, and why a library did not run. */
export function notes(rows) {
  const present = new Set(rows.map((r) => r.library));
  const caveats = PEERS.filter((p) => p.note && present.has(p.id)).map((p) => `- ${p.label}: ${p.note}`);
  const reasons = new Map();
  for (const r of rows.filter((r) => !r.train)) {
    const reason = r.unavailable ?? r.error;
    reasons.set(reason, [...(reasons.get(reason) ?? []), `${r.library} ${r.workload}`]);
  }
  const missing = [...reasons].map(([reason, where]) => `- not measured (${where.join(', ')}): ${reason}`);
  return [...caveats, ...missing].join('\n');
}

function markdown(header, body) {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => String(row[i] ?? '').length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c ?? '').padEnd(widths[i])).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  // A row that stops early (an unavailable library) spans the rest of the line.
  const row = (cells) => (cells.length < header.length ? `| ${cells.join(' | ')} |` : line(cells));
  return [line(header), rule, ...body.map(row)].join('\n');
}

function spread({ median, min, max }) {
  return `${compact(median)} (${compact(min)}–${compact(max)})`;
}

function compact(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

const ratio = (r) => (r === undefined ? '' : `${r.toFixed(2)}×`);
const fixed = (n, digits) => (n == null || Number.isNaN(n) ? '—' : n.toFixed(digits));
