// `npm run bench [-- --quick] [--workload W3[,W4]] [--library tfjs-wasm[,numpy,gemm]]`:
// measures every selected library on every selected workload, one pinned child process
// at a time, then the GEMM micro-benchmark; prints the tables and writes
// bench/results/latest.json.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PROFILES } from './measure.mjs';
import { findPeer, PEERS } from './peers/index.mjs';
import { derive, gemmTable, notes, resultsTable } from './report.mjs';
import { findWorkload, WORKLOADS } from './workloads.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const CHILD = fileURLToPath(new URL('child.mjs', import.meta.url));
const RESULTS = join(root, 'bench/results');
// Node 20 runs relaxed SIMD (the simdnet-relaxed peer, the GEMM table's relaxed column) only with this flag.
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
const USAGE = `usage: npm run bench -- [--quick] [--workload W1,…] [--library ${PEERS.map((p) => p.id).join(',')},gemm]`;

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    workload: { type: 'string' },
    library: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (options.help) exit(USAGE, 0);
const profileName = options.quick ? 'quick' : 'full';
const workloads = options.workload?.split(',').map((id) => findWorkload(id) ?? exit(`unknown workload '${id}'\n${USAGE}`, 2)) ?? WORKLOADS;
const libraries = options.library?.split(',').filter((id) => id !== 'gemm');
const peers = libraries === undefined ? PEERS : libraries.map((id) => findPeer(id) ?? exit(`unknown library '${id}'\n${USAGE}`, 2));
const withGemm = options.library === undefined || options.library.split(',').includes('gemm');

const started = performance.now();
ensureBuilt();
const pinning = pinningPlan();
const rows = [];
for (const workload of workloads) {
  for (const peer of peers) {
    process.stderr.write(`${workload.id} ${peer.id} … `);
    const result = await runChild(['library', peer.id, workload.id], peer.cores ?? 1, peer.nodeFlags);
    process.stderr.write(`${result.train ? `${Math.round(result.train.median)} samples/s` : (result.unavailable ?? result.error)}\n`);
    rows.push({ workload: workload.id, library: peer.id, ...result });
  }
}
let gemm;
if (withGemm) {
  process.stderr.write('GEMM micro-benchmark … ');
  gemm = await runChild(['gemm', ...workloads.map((w) => w.id)], 1, [RELAXED_FLAG]);
  process.stderr.write('done\n');
}
derive(rows);

const wallSeconds = (performance.now() - started) / 1000;
const machine = {
  cpu: cpus()[0]?.model.trim(),
  cores: availableParallelism(),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  pinning: pinning.describe,
};
const report = [
  `simdnet benchmarks — ${new Date().toISOString().slice(0, 10)}, ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ` +
    `${profileName} profile (median of ${PROFILES[profileName].reps} repetitions ≥ ${PROFILES[profileName].minRepSeconds} s), ${machine.pinning}`,
  '',
  rows.length ? resultsTable(rows) : '',
  rows.length ? `\n${notes(rows)}` : '',
  gemm ? `\n${gemmTable(gemm)}` : '',
  `\nWall time ${wallSeconds.toFixed(0)} s.`,
].join('\n');
console.log(report);

mkdirSync(RESULTS, { recursive: true });
const versions = Object.fromEntries(rows.filter((r) => r.version).map((r) => [r.library, r.version]));
writeFileSync(
  join(RESULTS, 'latest.json'),
  `${JSON.stringify({ date: new Date().toISOString(), machine, profile: profileName, versions, wallSeconds, results: rows, gemm }, null, 2)}\n`,
);

// Runs one child, pinned, with a time limit, giving its node the flags it accepts; its result or { error }.
async function runChild(args, cores, nodeFlags = []) {
  const dir = mkdtempSync(join(tmpdir(), 'simdnet-bench-'));
  const out = join(dir, 'result.json');
  const limitSeconds = options.quick ? 60 : 240;
  const [command, ...prefix] = pinning.command(cores);
  const flags = nodeFlags.filter(nodeAccepts);
  const child = spawn(command, [...prefix, process.execPath, ...flags, CHILD, out, profileName, ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), limitSeconds * 1000);
  const code = await new Promise((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  try {
    if (existsSync(out)) return JSON.parse(readFileSync(out, 'utf8'));
    const reason = code === null ? `timed out after ${limitSeconds} s` : stderr.split('\n').find((l) => /error/i.test(l));
    return { error: reason ?? `exited with code ${code}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Whether this node starts with the flag (a later Node may drop a flag it no longer needs).
function nodeAccepts(flag) {
  return spawnSync(process.execPath, [flag, '-e', '0']).status === 0;
}

// Single-threaded runs share one core (the last, away from interrupts on core 0 where it
// matters); multi-threaded runs get that many cores. Without taskset nothing is pinned.
function pinningPlan() {
  const cores = availableParallelism();
  if (spawnSync('taskset', ['--version']).error) {
    return { describe: 'not pinned (no taskset)', command: () => [] };
  }
  return {
    describe: `each library pinned with taskset to core ${cores - 1} (multi-threaded runs to cores 0–${cores - 1})`,
    command: (n) => ['taskset', '-c', n === 1 ? String(cores - 1) : `0-${Math.min(n, cores) - 1}`],
  };
}

// The suite measures the built package; build it when it is missing and warn when it looks stale.
function ensureBuilt() {
  const dist = join(root, 'dist/index.js');
  const wasm = join(root, 'build/simdnet.simd.wasm');
  if (!existsSync(dist) || !existsSync(wasm)) {
    process.stderr.write('dist/ or build/ missing: running npm run build …\n');
    const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (built.status !== 0) exit('npm run build failed', 1);
    return;
  }
  const builtAt = Math.min(statSync(dist).mtimeMs, statSync(wasm).mtimeMs);
  const newest = ['src', 'assembly'].flatMap((dir) => listFiles(join(root, dir))).map((f) => statSync(f).mtimeMs);
  if (Math.max(...newest) > builtAt) process.stderr.write('warning: src/ or assembly/ is newer than the build; run npm run build\n');
}

function listFiles(dir) {
  if (!existsSync(dir)) return [];
  return spawnSync('find', [dir, '-type', 'f'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
}

function exit(message, code) {
  (code === 0 ? process.stdout : process.stderr).write(`${message}\n`);
  process.exit(code);
}
