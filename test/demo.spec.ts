// The demo (simdnet demo, src/cli/demo/): its core path on the UCI digits, the
// MNIST path where SIMDNET_MNIST_DIR points at the data, and `npm run demo` itself (the built CLI).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainDigits } from '../src/cli/demo/digits.js';
import { trainMnist } from '../src/cli/demo/mnist.js';
import { describeNeeding } from './support/requirements.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const MNIST_DIR = process.env.SIMDNET_MNIST_DIR;

/** Why the MNIST test cannot run here, or undefined when SIMDNET_MNIST_DIR holds the four idx files. */
function mnistMissing(): string | undefined {
  const get = `(.gz or not), downloadable from https://ossci-datasets.s3.amazonaws.com/mnist/`;
  if (!MNIST_DIR) return `no MNIST files: set SIMDNET_MNIST_DIR to a folder with the four idx files ${get}`;
  const lacking = MNIST_FILES.filter((f) => !existsSync(join(MNIST_DIR, `${f}.gz`)) && !existsSync(join(MNIST_DIR, f)));
  if (lacking.length === 0) return undefined;
  return `SIMDNET_MNIST_DIR=${MNIST_DIR} lacks ${lacking.join(', ')} ${get}`;
}

// npm run demo runs dist/cli.js, which `npm install` (prepare) or `npm run build` writes.
beforeAll(() => {
  if (!existsSync(`${root}dist/cli.js`)) throw new Error('dist/cli.js is missing: run npm run build before these tests');
});

function sumAll(confusion: number[][]): number {
  return confusion.flat().reduce((a, b) => a + b, 0);
}

describe('demo core path: UCI digits', () => {
  it('reaches at least 97% test accuracy with the fixed seed, on a stratified 80/20 split', async () => {
    const result = await trainDigits();
    console.log(`digits: test accuracy ${(result.accuracy * 100).toFixed(2)}% in ${result.seconds.toFixed(2)} s`);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.97);
    expect(result.trainRows + result.testRows).toBe(1797);
    expect(result.testRows).toBe(359); // 20% of each class, rounded
    expect(sumAll(result.confusion)).toBe(result.testRows);
    const diagonal = result.confusion.reduce((n, row, i) => n + row[i]!, 0);
    expect(diagonal / result.testRows).toBe(result.accuracy);
    expect(result.epochs).toHaveLength(40);
  });

  it('gives the same predictions for the same seed, and another split for another seed', async () => {
    const [a, b, c] = [await trainDigits({ seed: 7 }), await trainDigits({ seed: 7 }), await trainDigits({ seed: 8 })];
    expect(Array.from(b.predictions)).toEqual(Array.from(a.predictions));
    expect(b.confusion).toEqual(a.confusion);
    expect(Array.from(c.predictions)).not.toEqual(Array.from(a.predictions));
  });

  it('trains other hidden layers, with dropout, and still generalises', async () => {
    const plain = await trainDigits({ hidden: [64], seed: 3 });
    const dropped = await trainDigits({ hidden: [64], dropout: 0.2, seed: 3 });
    console.log(`digits 64-64-10: test accuracy ${(plain.accuracy * 100).toFixed(2)}%, with dropout 0.2 ${(dropped.accuracy * 100).toFixed(2)}%`);
    // Dropout changes what is learnt (the same seed gives other predictions), not how well.
    expect(Array.from(dropped.predictions)).not.toEqual(Array.from(plain.predictions));
    expect(plain.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(dropped.accuracy).toBeGreaterThanOrEqual(0.95);
  });
});

describeNeeding(mnistMissing(), 'demo MNIST path', () => {
  it('trains on the 60,000 MNIST images and reaches at least 97.5% on the 10,000 test images', async () => {
    const result = await trainMnist(MNIST_DIR!);
    const perEpoch = result.epochs.map((e) => e.seconds.toFixed(1)).join(', ');
    console.log(`MNIST: test accuracy ${(result.accuracy * 100).toFixed(2)}%, epochs took ${perEpoch} s`);
    expect(result.trainRows).toBe(60_000);
    expect(result.testRows).toBe(10_000);
    expect(sumAll(result.confusion)).toBe(10_000);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.975);
  }, 240_000);
});

describe('npm run demo (simdnet demo)', () => {
  const demo = (...args: string[]) =>
    spawnSync(process.execPath, ['dist/cli.js', 'demo', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

  it('prints the test accuracy, a confusion matrix and the time taken, with progress on stderr', () => {
    const { status, stdout, stderr } = demo();
    expect(stderr).toMatch(/epoch\s+40\/40\s+loss \d\.\d{4}\s+[\d,]+ samples\/s/);
    expect(status).toBe(0);
    const accuracy = Number(/test accuracy: ([\d.]+)%/.exec(stdout)?.[1]);
    expect(accuracy).toBeGreaterThanOrEqual(97);
    expect(stdout).toMatch(/actual \\ predicted(\s+\d){10}/);
    expect(stdout.split('\n').filter((line) => /^\s+\d(\s+\d+){10}$/.test(line))).toHaveLength(10);
    expect(stdout).toMatch(/time taken: [\d.]+ s/);
  });

  it('names the network it trains, with the layers and dropout asked for', () => {
    const { status, stdout } = demo('--layers', '32,16', '--dropout', '0.1');
    expect(status).toBe(0);
    expect(stdout).toContain('64-32-16-10 (relu, dropout 0.1, softmax), Adam, 40 epochs');
    expect(Number(/test accuracy: ([\d.]+)%/.exec(stdout)?.[1])).toBeGreaterThanOrEqual(90);
  });

  it('trains the epochs asked for', () => {
    const { status, stdout, stderr } = demo('--epochs', '5', '--layers', '16');
    expect(status).toBe(0);
    expect(stdout).toContain('64-16-10 (relu, softmax), Adam, 5 epochs');
    expect(stderr).toMatch(/epoch\s+5\/5\s+loss/);
    expect(stderr).not.toMatch(/epoch\s+6\//);
  });

  it('answers --help, and fails in plain words with a non-zero exit code', () => {
    const help = demo('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--mnist <dir>');
    const missing = demo('--mnist', `${root}no-such-dir`);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/MNIST file train-images-idx3-ubyte\(\.gz\) not found/);
    const badSeed = demo('--seed', 'x');
    expect(badSeed.status).toBe(2);
    expect(badSeed.stderr).toContain('--seed must be an integer');
    expect(help.stdout).toContain('--dropout <p>');
    const badDropout = demo('--dropout', '1');
    expect(badDropout.status).toBe(2);
    expect(badDropout.stderr).toContain('--dropout must be a number from 0 up to but not including 1');
    const noHidden = demo('--layers', 'none', '--dropout', '0.5');
    expect(noHidden.status).toBe(2);
    expect(noHidden.stderr).toContain('--layers none leaves none');
    expect(demo('--layers', '8,x').stderr).toContain('--layers must be comma-separated unit counts');
    expect(demo('--epochs', '0').stderr).toContain('--epochs must be an integer from 1 to 10000');
  });
});
