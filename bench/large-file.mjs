// `simdnet train` on a CSV file larger than memory, as a user runs it: the built CLI
// (dist/cli.js) in a child process of its own, on a seeded file written to os.tmpdir() and
// deleted after. A large file is trained streamed; a small one streamed and held whole, so
// that the two ways of reading compare on the same data. Each child's peak resident set is
// read inside it by a preload (peak-rss.mjs), not by a wrapper around it.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { freemem, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prng } from './prng.mjs';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const PEAK_RSS = fileURLToPath(new URL('peak-rss.mjs', import.meta.url));

/** The file's shape: numeric features, and a class the network can learn from them. */
export const LARGE_FILE = { features: 32, classes: 4, seed: 1 };
/** One epoch with the CLI's defaults otherwise (network, batch, shuffle buffer, threads). */
export const TRAIN_ARGS = ['--epochs', '1', '--quiet'];

/**
 * Writes `bytes` or a little more of seeded CSV to `path`, streaming: a header, then rows of
 * LARGE_FILE.features numbers in [-1, 1) with four decimals and a class 0–3 set by the signs
 * of two linear functions of the first six. Returns { bytes, rows, classShares }.
 */
export async function writeLargeCsv(path, bytes, seed = LARGE_FILE.seed) {
  const { features, classes } = LARGE_FILE;
  const random = prng(seed);
  const out = createWriteStream(path);
  const header = `${Array.from({ length: features }, (_, j) => `x${j}`).join(',')},class\n`;
  out.write(header);
  let written = Buffer.byteLength(header);
  let rows = 0;
  const counts = new Array(classes).fill(0);
  const row = new Array(features);
  while (written < bytes) {
    // Some thousands of rows per write: few enough calls to keep the writer fast, little held.
    let chunk = '';
    for (let i = 0; i < 4096 && written + chunk.length < bytes; i++) {
      for (let j = 0; j < features; j++) row[j] = (2 * random() - 1).toFixed(4);
      const label = (row[0] - row[1] + +row[2] > 0 ? 1 : 0) + (+row[3] + +row[4] - row[5] > 0 ? 2 : 0);
      counts[label]++;
      chunk += `${row.join(',')},${label}\n`;
      rows++;
    }
    written += chunk.length; // ASCII: characters are bytes
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { bytes: statSync(path).size, rows, classShares: counts.map((c) => c / rows) };
}

/**
 * Runs the CLI with `args` under the peak-RSS preload: { seconds, peakRssBytes, stdout }, or
 * { error } when it fails (a file held whole may run out of heap: that is a result too).
 */
export async function runMeasured(args, dir) {
  const rssFile = join(dir, `peak-rss-${process.hrtime.bigint()}`);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', PEAK_RSS, CLI, ...args], {
    env: { ...process.env, SIMDNET_PEAK_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code, signal] = await once(child, 'close');
  const seconds = (performance.now() - started) / 1000;
  let peakRssBytes = null;
  try {
    peakRssBytes = Number(readFileSync(rssFile, 'utf8'));
  } catch {
    // A process killed by a signal (the kernel's out-of-memory killer) leaves no file.
  }
  if (code !== 0) {
    const reason = stderr.split('\n').find((l) => /error|heap|memory/i.test(l)) ?? (signal ? `killed by ${signal}` : `exited with code ${code}`);
    return { error: reason.trim(), seconds, peakRssBytes };
  }
  return { seconds, peakRssBytes, stdout };
}

/** One training run on a file: its figures, and the training accuracy of the epoch. */
async function trainOn(file, mode, dir) {
  const args = ['train', file.path, mode === 'stream' ? '--stream' : '--no-stream', ...TRAIN_ARGS];
  const freeBytes = freemem();
  const run = await runMeasured(args, dir);
  const figures = { mode, fileBytes: file.bytes, rows: file.rows, freeBytesBefore: freeBytes, seconds: run.seconds, peakRssBytes: run.peakRssBytes };
  if (run.error) return { ...figures, error: run.error };
  // What the CLI says it read and how long its epoch took, beside what was written and the wall time.
  const rowsRead = /: ([\d,]+) rows,/.exec(run.stdout);
  const trained = /trained in ([\d.]+) s/.exec(run.stdout);
  const accuracy = /last epoch: .*accuracy ([\d.]+)%/.exec(run.stdout);
  return {
    ...figures,
    rowsRead: rowsRead ? Number(rowsRead[1].replaceAll(',', '')) : null,
    rowsPerSecond: file.rows / run.seconds,
    trainSeconds: trained ? Number(trained[1]) : null,
    accuracy: accuracy ? Number(accuracy[1]) / 100 : null,
  };
}

/**
 * The measurement: { totalBytes, freeBytes, baselineRssBytes, command, runs }, runs being the
 * large file streamed, then the small one streamed and held whole, each { label, mode,
 * fileBytes, rows, classShares, freeBytesBefore, seconds, peakRssBytes, rowsRead, rowsPerSecond,
 * trainSeconds, accuracy } or, failed, { …, error }. `log` receives progress lines.
 */
export async function measureLargeFile({ largeBytes = 2.2e9, smallBytes = 200e6, log = () => {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'simdnet-large-file-'));
  // Interrupted, the run would otherwise leave gigabytes in the temporary directory.
  const removeAndExit = (signal) => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, removeAndExit);
  const result = { totalBytes: totalmem(), freeBytes: freemem(), command: ['simdnet', 'train', 'FILE', '--stream|--no-stream', ...TRAIN_ARGS].join(' ') };
  try {
    // The process with the CLI loaded and nothing read: what every run's peak is above.
    result.baselineRssBytes = (await runMeasured(['train', '--help'], dir)).peakRssBytes;
    const runs = [];
    for (const [label, bytes, modes] of [['large', largeBytes, ['stream']], ['small', smallBytes, ['stream', 'whole']]]) {
      const path = join(dir, `${label}.csv`);
      log(`writing a ${(bytes / 1e6).toFixed(0)} MB file … `);
      const written = await writeLargeCsv(path, bytes);
      const file = { path, ...written };
      log(`${file.rows.toLocaleString('en')} rows\n`);
      for (const mode of modes) {
        log(`simdnet train, ${label} file, ${mode === 'stream' ? 'streamed' : 'held whole'} … `);
        const run = await trainOn(file, mode, dir);
        runs.push({ label, classShares: written.classShares, ...run });
        log(`${run.error ?? `${run.seconds.toFixed(0)} s`}\n`);
      }
      rmSync(path);
    }
    result.runs = runs;
  } finally {
    for (const signal of ['SIGINT', 'SIGTERM']) process.off(signal, removeAndExit);
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}
