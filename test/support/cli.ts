// The `simdnet` command for the CLI tests: the built dist/cli.js run in a child
// process (or the source in-process), a temporary directory for the files a test
// writes, and model files built by hand, so a test controls exactly what the
// network computes.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'dist/cli.js');

/** What a run of the command printed and how it exited. */
export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs dist/cli.js (or another build of it) with the arguments. */
export function simdnet(...args: string[]): Run {
  return simdnetAt(CLI, ...args);
}

export function simdnetAt(cli: string, ...args: string[]): Run {
  const { status, stdout, stderr } = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status, stdout, stderr };
}

/** Runs the CLI's source in this process (runCli on buffers): the same command, at a fraction of a process's cost. */
export async function simdnetInProcess(...args: string[]): Promise<Run> {
  const { runCli } = await import('../../src/cli/cli.js');
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { status, stdout, stderr };
}

// The CLI under test is the build: it must exist and be newer than its sources (the formats'
// readers and writers are bundled into it too).
function expectFreshBuild(): void {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run npm run build (npm install runs it) before these tests');
  const built = statSync(CLI).mtimeMs;
  const stale = ['src/cli', 'src/formats'].flatMap((folder) =>
    readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && statSync(join(ROOT, folder, f)).mtimeMs > built)
      .map((f) => `${folder}/${f}`));
  if (stale.length > 0) throw new Error(`dist/cli.js is older than ${stale.join(', ')}: run npm run build`);
}

/**
 * Checks the build before the file's tests and gives them a temporary directory, removed after:
 * path(name) is a file in it, write(name, content) writes one (text, bytes, or an object as
 * JSON) and returns its path.
 */
export function cliTestFiles(prefix: string) {
  let dir = '';
  beforeAll(() => {
    expectFreshBuild();
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const path = (name: string) => join(dir, name);
  const write = (name: string, text: string | Uint8Array | object) => {
    writeFileSync(path(name), typeof text === 'string' || text instanceof Uint8Array ? text : JSON.stringify(text));
    return path(name);
  };
  return { path, write };
}

/** The run failed as the README promises: the exit code, and one plain line on stderr saying the message. */
export function expectOneLineError(run: Run, code: 1 | 2, message?: string | RegExp): void {
  const lines = run.stderr.split('\n');
  expect(lines.at(-1), `stderr ends with a line end: ${JSON.stringify(run.stderr)}`).toBe('');
  expect(lines.slice(0, -1), `one line on stderr: ${JSON.stringify(run.stderr)}`).toHaveLength(1);
  expect(run.stderr).toMatch(/^simdnet: /);
  if (message !== undefined) expect(run.stderr).toMatch(typeof message === 'string' ? escapeRegExp(message) : message);
  expect(run.status, run.stderr).toBe(code);
}

function escapeRegExp(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/**
 * A model file with no hidden layer, as `simdnet train --save` writes them: softmax over the
 * classes when the target has classes, else one linear output. weights are inputs × outputs,
 * row-major; every feature's standardisation is mean 0, std 1 unless given.
 */
export function linearModel(o: {
  features: string[];
  target: { name: string; classes?: string[]; mean?: number; std?: number };
  weights: number[];
  biases: number[];
  scaling?: { mean: number; std: number }[];
}) {
  const classes = o.target.classes;
  return {
    format: 'simdnet-model',
    version: 1,
    task: classes ? 'classification' : 'regression',
    features: o.features.map((name, j) => ({ name, ...(o.scaling?.[j] ?? { mean: 0, std: 1 }) })),
    target: o.target,
    network: {
      format: 'simdnet',
      version: 1,
      inputs: o.features.length,
      loss: classes ? 'categoricalCrossentropy' : 'squaredError',
      seed: 0,
      layers: [{
        units: classes ? classes.length : 1,
        activation: classes ? 'softmax' : 'linear',
        bias: true,
        trainBias: true,
        weights: o.weights,
        biases: o.biases,
      }],
    },
  };
}

/**
 * A classifier of points on an a × b grid: class `c{i}` is the point (⌊i / b⌋, i mod b), and a
 * row with features (x, y) is predicted as the nearest grid point (its logit is
 * −(x − a)² − (y − b)² up to a term common to all classes, so the margin is at least 1).
 */
export function gridClassifier(a: number, b: number) {
  const classes = Array.from({ length: a * b }, (_, i) => `c${i}`);
  const point = (i: number) => [Math.floor(i / b), i % b] as const;
  const weights = [...classes.map((_, i) => 2 * point(i)[0]), ...classes.map((_, i) => 2 * point(i)[1])];
  const biases = classes.map((_, i) => -(point(i)[0] ** 2 + point(i)[1] ** 2));
  return { classes, point, model: linearModel({ features: ['x', 'y'], target: { name: 'label', classes }, weights, biases }) };
}
