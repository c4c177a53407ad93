// `npm run bench [-- --quick] [--workload W3[,W4]] [--library tfjs-wasm[,numpy,gemm,many-networks,busy-core]]`:
// measures every selected library on every selected workload, each in a pinned child
// process, then the GEMM micro-benchmark and the memory of many small networks, each in a
// child of its own, and simdnet's threads beside a busy core; prints the tables and the
// performance goals, and
// writes bench/results/latest.json in the schema of bench/results/history/ (its README), so a
// run is archived by copying that file there.
//
// The libraries of a workload are measured interleaved: all their children are alive at
// once but only one runs at a time; each is set up and warmed in turn, then repetition r of
// each measurement runs library after library. The machines are shared, and a neighbour
// that slows one for a minute then lowers one repetition of every library instead of the
// whole measurement of one, so the ratios between libraries hold up better than the figures.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PROFILES, summarize } from './measure.mjs';
import { findPeer, MEASUREMENTS, PEERS } from './peers/index.mjs';
import { measureLargeFile } from './large-file.mjs';
import {
  busyCoreTable, coreToCoreLine, derive, floorLine, gemmTable, goalsTable, largeFileTable, manyNetworksLine, notes, resultsTable,
} from './report.mjs';
import { judgeGoals } from './targets.mjs';
import { findWorkload, WORKLOADS } from './workloads.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const CHILD = fileURLToPath(new URL('child.mjs', import.meta.url));
const RESULTS = join(root, 'bench/results');
// Node 20 runs relaxed SIMD (the simdnet-relaxed peer, the GEMM table's relaxed column) only with this flag.
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
// Selected with the libraries, and run unless the libraries selected leave them out.
const EXTRAS = ['gemm', 'many-networks', 'busy-core'];
// What busy-core measures: one workload on one thread, two and 'auto', with the first core busy.
const BUSY_CORE_WORKLOAD = 'W3';
const BUSY_CORE_PEERS = ['simdnet-simd', 'simdnet-simd-2t', 'simdnet-auto'];
// Selected with the libraries too, but run only when named: large-file writes gigabytes to
// os.tmpdir() and takes minutes, which a plain run should not impose.
const OPT_IN = ['large-file'];
const USAGE =
  `usage: npm run bench -- [--quick] [--workload W1,…] [--library ${[...PEERS.map((p) => p.id), ...EXTRAS, ...OPT_IN].join(',')}]` +
  ' [--large-file-gb 2.2] [--small-file-mb 200]';

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    workload: { type: 'string' },
    library: { type: 'string' },
    'large-file-gb': { type: 'string', default: '2.2' },
    'small-file-mb': { type: 'string', default: '200' },
    help: { type: 'boolean', default: false },
  },
});
if (options.help) exit(USAGE, 0);
const profileName = options.quick ? 'quick' : 'full';
const workloads = options.workload?.split(',').map((id) => findWorkload(id) ?? exit(`unknown workload '${id}'\n${USAGE}`, 2)) ?? WORKLOADS;
const selected = options.library?.split(',');
const peers = selected === undefined
  ? PEERS
  : selected.filter((id) => !EXTRAS.includes(id) && !OPT_IN.includes(id)).map((id) => findPeer(id) ?? exit(`unknown library '${id}'\n${USAGE}`, 2));
const runs = (extra) => selected === undefined || selected.includes(extra);
const largeFileBytes = positive('large-file-gb') * 1e9;
const smallFileBytes = positive('small-file-mb') * 1e6;

const started = performance.now();
ensureBuilt();
const pinning = pinningPlan();
// Seconds a child may take to set up and warm up, and then per request.
const SETUP_LIMIT = options.quick ? 60 : 240;
const REQUEST_LIMIT = options.quick ? 30 : 120;
const coreToCore = await coreToCoreInChild();
const rows = [];
// With no library selected (only extras), there is nothing to interleave on the workloads.
if (peers.length) for (const workload of workloads) rows.push(...(await measureWorkload(workload)));
let gemm;
if (runs('gemm')) {
  process.stderr.write('GEMM micro-benchmark … ');
  gemm = await startChild(['gemm', ...workloads.map((w) => w.id)], 1, [RELAXED_FLAG]).next(SETUP_LIMIT);
  process.stderr.write('done\n');
}
let manyNetworks;
if (runs('many-networks')) {
  process.stderr.write('Many small networks alive at once … ');
  manyNetworks = await startChild(['many-networks'], 1, ['--expose-gc']).next(SETUP_LIMIT);
  process.stderr.write(`${manyNetworks.error ?? 'done'}\n`);
}
let busyCore;
if (runs('busy-core')) busyCore = await measureBesideBusyCore();
let largeFile;
if (selected?.includes('large-file')) {
  process.stderr.write('simdnet train on a file larger than memory:\n');
  largeFile = await measureLargeFile({ largeBytes: largeFileBytes, smallBytes: smallFileBytes, log: (text) => process.stderr.write(text) });
}
derive(rows, gemm);
const goals = rows.length || manyNetworks ? judgeGoals(rows, gemm, manyNetworks) : [];

const wallSeconds = (performance.now() - started) / 1000;
const machine = {
  cpu: cpuName(),
  cores: availableParallelism(),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  pinning: pinning.describe,
  coreToCore,
};
const report = [
  `simdnet benchmarks — ${new Date().toISOString().slice(0, 10)}, ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ` +
    `${profileName} profile (median of ${PROFILES[profileName].reps} repetitions ≥ ${PROFILES[profileName].minRepSeconds} s), ${machine.pinning}` +
    (coreToCore ? `\n${coreToCoreLine(coreToCore)}` : ''),
  '',
  rows.length ? resultsTable(rows) : '',
  rows.length ? `\n${notes(rows)}` : '',
  gemm ? `\n${gemmTable(gemm)}` : '',
  gemm?.w1Floor ? `\n${floorLine(gemm, rows)}` : '',
  manyNetworks ? `\n${manyNetworksLine(manyNetworks)}` : '',
  busyCore ? `\n${busyCoreTable(busyCore)}` : '',
  largeFile ? `\n${largeFileTable(largeFile)}` : '',
  goals.length ? `\n${goalsTable(goals)}` : '',
  `\nWall time ${wallSeconds.toFixed(0)} s.`,
].filter((part, i) => i === 1 || part !== '').join('\n');
console.log(report);

mkdirSync(RESULTS, { recursive: true });
const date = new Date().toISOString();
const { commit, dirty } = gitState();
const versions = Object.fromEntries(rows.filter((r) => r.version).map((r) => [r.library, r.version]));
const record = {
  schema: 1,
  source: 'bench/run.mjs',
  date,
  commit,
  ...(dirty && { dirty }),
  command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
  profile: profileName,
  wallSeconds,
  machine,
  versions,
  notes: [],
  results: rows,
  gemm: gemm ?? null,
  manyNetworks: manyNetworks ?? null,
  busyCore: busyCore ?? null,
  largeFile: largeFile ?? null,
  goals,
};
writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(record, null, 2)}\n`);
const archived = `${date.slice(0, 16).replace(':', '')}Z-${commit ?? 'unknown'}.json`;
process.stderr.write(`Results in bench/results/latest.json; to archive: cp bench/results/latest.json bench/results/history/${archived}\n`);

// Every selected library (or those of `among`) on one workload, interleaved (see the top of this
// file): its rows.
async function measureWorkload(workload, among = peers) {
  const entries = [];
  for (const peer of among.filter((p) => !p.workloads || p.workloads.includes(workload.id))) {
    process.stderr.write(`${workload.id} ${peer.id} … `);
    const args = ['library', peer.id, workload.id];
    const child = peer.pair ? startPair(args, peer.nodeFlags) : startChild(args, peer.cores ?? 1, peer.nodeFlags);
    const status = await child.next(SETUP_LIMIT);
    process.stderr.write(`${status.ready ? 'ready' : (status.unavailable ?? status.error)}\n`);
    entries.push({ peer, child, status, rates: Object.fromEntries(MEASUREMENTS.map((kind) => [kind, []])) });
  }
  const { reps } = PROFILES[profileName];
  for (let r = 0; r < reps; r++) {
    for (const kind of MEASUREMENTS) {
      for (const entry of entries.filter((e) => e.status.ready && !e.error)) {
        if ((kind === 'inferBulk' && !entry.status.bulk) || (kind === 'inferInto' && !entry.status.into)) continue;
        const answer = await entry.child.ask({ rep: kind }, REQUEST_LIMIT);
        if (answer.rate === undefined) entry.error = answer.error;
        else entry.rates[kind].push(answer.rate);
      }
    }
    process.stderr.write(`${workload.id} repetition ${r + 1} of ${reps} done\n`);
  }
  const rows = [];
  for (const { peer, child, status, rates, error } of entries) {
    const row = { workload: workload.id, library: peer.id };
    if (!status.ready) {
      rows.push({ ...row, ...status });
      continue;
    }
    const figures = error ? { error } : await child.ask({ finish: true }, REQUEST_LIMIT);
    if (figures.error) {
      child.kill();
      rows.push({ ...row, error: figures.error });
      continue;
    }
    const infer = summarize(rates.infer);
    // A library without a batch API predicts row by row either way: one measurement serves both.
    const into = status.into ? { inferInto: summarize(rates.inferInto) } : {};
    rows.push({ ...row, train: summarize(rates.train), infer, inferBulk: status.bulk ? summarize(rates.inferBulk) : infer, ...into, ...figures });
  }
  return rows;
}

// How long a cache line takes to cross between the cores the two-thread runs are pinned to
// (bench/core-latency.mjs), measured in a child pinned as they are: { oneWayNs, reps }, or
// { error }; null on one core.
async function coreToCoreInChild() {
  if (availableParallelism() < 2) return null;
  process.stderr.write('Cache line between two cores … ');
  const result = await startChild(['core-latency'], 2).next(SETUP_LIMIT);
  process.stderr.write(`${result.error ?? 'done'}\n`);
  return result;
}

// BUSY_CORE_PEERS on BUSY_CORE_WORKLOAD, interleaved, while another process spins on the first
// core: what threads give on a machine that other work shares, where every batch on two threads
// waits for the one whose core it shares. { workload, rows }, or { unavailable } on one core.
async function measureBesideBusyCore() {
  if (availableParallelism() < 2) return { unavailable: 'one core: no core to leave free' };
  const workload = findWorkload(BUSY_CORE_WORKLOAD);
  const [command, ...prefix] = [...pinning.command(1, 0), process.execPath];
  const spinner = spawn(command, [...prefix, '-e', 'for (;;);'], { stdio: 'ignore' });
  try {
    process.stderr.write(`${workload.id} with core 0 busy:\n`);
    return { workload: workload.id, rows: await measureWorkload(workload, BUSY_CORE_PEERS.map(findPeer)) };
  } finally {
    spinner.kill('SIGKILL');
  }
}

// Starts child.mjs, pinned to `cores` cores (or to core `core`), with the node flags this node
// accepts. next(limit) resolves with its next message, or { error } when it exits first or takes
// longer than limit seconds (it is then killed); ask(message, limit) sends a message first.
function startChild(args, cores, nodeFlags = [], core = undefined) {
  const [command, ...prefix] = pinning.command(cores, core);
  const flags = nodeFlags.filter(nodeAccepts);
  const child = spawn(command, [...prefix, process.execPath, ...flags, CHILD, profileName, ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const queue = [];
  let waiter = null;
  const deliver = (message) => {
    if (waiter) waiter(message);
    else queue.push(message);
  };
  child.on('message', deliver);
  child.on('close', (code, signal) => {
    const exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
    deliver({ error: stderr.split('\n').find((l) => /error/i.test(l)) ?? exit });
  });
  const next = (limitSeconds) => {
    if (queue.length) return Promise.resolve(queue.shift());
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiter = null;
        child.kill('SIGKILL');
        resolve({ error: `timed out after ${limitSeconds} s` });
      }, limitSeconds * 1000);
      waiter = (message) => {
        waiter = null;
        clearTimeout(timer);
        resolve(message);
      };
    });
  };
  return {
    next,
    ask(message, limitSeconds) {
      // A child that has gone has left its { error } in the queue.
      if (child.connected) child.send(message);
      return next(limitSeconds);
    },
    kill: () => child.kill('SIGKILL'),
  };
}

// Two children as startChild starts them, on the first core and the last, asked everything at
// once: a rate is the sum of theirs, anything else the first's, an error either's.
function startPair(args, nodeFlags) {
  const children = [0, availableParallelism() - 1].map((core) => startChild(args, 1, nodeFlags, core));
  const combine = (answers) => {
    const failed = answers.find((answer) => answer.error ?? answer.unavailable);
    if (failed) return failed;
    return answers[0].rate === undefined ? answers[0] : { rate: answers[0].rate + answers[1].rate };
  };
  return {
    next: async (limitSeconds) => combine(await Promise.all(children.map((child) => child.next(limitSeconds)))),
    ask: async (message, limitSeconds) => combine(await Promise.all(children.map((child) => child.ask(message, limitSeconds)))),
    kill: () => children.forEach((child) => child.kill()),
  };
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
    command: (n, core = cores - 1) => ['taskset', '-c', n === 1 ? String(core) : `0-${Math.min(n, cores) - 1}`],
  };
}

// The commit measured (short hash, or null outside a git checkout) and whether tracked files
// differ from it.
function gitState() {
  const head = spawnSync('git', ['rev-parse', '--short=7', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (head.status !== 0) return { commit: null, dirty: false };
  const diff = spawnSync('git', ['diff', '--quiet', 'HEAD'], { cwd: root });
  return { commit: head.stdout.trim(), dirty: diff.status === 1 };
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

// A size option's value, a positive number.
function positive(name) {
  const value = Number(options[name]);
  if (!(value > 0)) exit(`--${name} must be a positive number, not '${options[name]}'\n${USAGE}`, 2);
  return value;
}

function exit(message, code) {
  (code === 0 ? process.stdout : process.stderr).write(`${message}\n`);
  process.exit(code);
}

// The CPU's name, with Linux's family and model numbers where it gives them: a cloud host's
// "AMD EPYC" names several generations, whose caches and cores scale threads differently.
function cpuName() {
  const name = cpus()[0]?.model.trim();
  let info = '';
  try {
    info = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return name;
  }
  const family = /^cpu family\s*:\s*(\d+)/m.exec(info)?.[1];
  const model = /^model\s*:\s*(\d+)/m.exec(info)?.[1];
  return family && model ? `${name} (family ${family}, model ${model})` : name;
}
