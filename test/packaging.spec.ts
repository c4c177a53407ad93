// The published package, as users get it: `npm pack`, installed from the
// tarball into a throw-away consumer project, then imported from Node (ESM and
// CommonJS) and bundled by esbuild, Vite and webpack into pages run in headless
// Chromium. No consumer configures anything about wasm. Every consumer trains
// the same seeded XOR and the trained weights must hash the same everywhere.

import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build as esbuild } from 'esbuild';
import type { Browser } from 'playwright-core';
import { build as viteBuild } from 'vite';
import webpack, { type StatsError } from 'webpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_MISSING, launchBrowser } from './support/browser.js';
import { describeNeeding } from './support/requirements.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const fixtures = join(import.meta.dirname, 'consumer');

interface XorResult {
  backend: string;
  predictions: number[];
  accuracy: number;
  hash: string;
}
type Trained = Record<'simd' | 'scalar', XorResult> & { relaxed?: XorResult };

let work = '';
let consumer = '';
let tarball = '';
let packedFiles: string[] = [];
let browser: Browser;
const servers: Server[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'simdnet-consumers-'));
  // Packs the dist/ that `npm install` (prepare) built; rebuilding here would rewrite build/
  // under the other test files running in parallel.
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run npm run build first');
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, maxBuffer: 1 << 24 });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [{ filename: string; files: { path: string }[] }];
  tarball = join(work, packed.filename);
  packedFiles = packed.files.map((f) => f.path);

  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  for (const file of ['train-xor.js', 'report.js', 'node-esm.mjs', 'node-cjs.cjs', 'browser.js', 'slim-browser.js', 'threads-browser.js', 'index.html']) {
    copyFileSync(join(fixtures, file), join(consumer, file));
  }
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: consumer });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  for (const server of servers) server.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const MIME: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json',
};

/** The headers that make a page cross-origin isolated, which shared memory (threads) needs. */
const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/** Serves a directory on a local port, with extra headers on every response; returns its base URL. */
async function serve(directory: string, headers: Record<string, string> = {}): Promise<string> {
  const server = createServer((request, response) => {
    const path = join(directory, decodeURIComponent(new URL(request.url!, 'http://x').pathname));
    if (!path.startsWith(directory) || !existsSync(path) || path.endsWith('/')) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': MIME[extname(path)] ?? 'application/octet-stream', ...headers });
    response.end(readFileSync(path));
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Opens a page and waits for the result its script leaves in window.simdnetResult. */
async function trainInChromium<T = Trained>(url: string): Promise<T> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await page.goto(url);
    await page.waitForFunction(() => 'simdnetResult' in window, undefined, { timeout: 60_000 });
    const result = await page.evaluate(() => (window as unknown as { simdnetResult: unknown }).simdnetResult);
    expect(errors).toEqual([]);
    expect(result).not.toHaveProperty('error');
    return result as T;
  } finally {
    await page.close();
  }
}

function expectLearnedXor(result: Trained): void {
  for (const backend of ['simd', 'scalar'] as const) {
    expect(result[backend].backend).toBe(backend);
    expect(result[backend].accuracy).toBe(1);
    result[backend].predictions.forEach((p, i) => expect(Math.abs(p - [0, 1, 1, 0][i]!)).toBeLessThan(0.1));
  }
  expect(result.simd.hash, 'SIMD and scalar builds train to the same bytes').toBe(result.scalar.hash);
}

const results: Record<string, Trained> = {};

describe('the packed tarball', () => {
  it('holds the ESM, CJS and type entries and the wasm files, and nothing of the sources', () => {
    for (const file of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/slim.js', 'dist/slim.cjs',
      'dist/threads.js', 'dist/threads.cjs', 'dist/formats.js', 'dist/formats.cjs', 'dist/formats.d.ts', 'dist/formats.d.cts', 'dist/simdnet.simd.wasm', 'dist/simdnet.scalar.wasm', 'dist/simdnet.relaxed.wasm', 'dist/simdnet.threads.wasm', 'dist/cli.js', 'data/digits/digits.csv.gz', 'data/digits/README.md',
      'README.md', 'LICENSE', 'package.json']) {
      expect(packedFiles).toContain(file);
    }
    expect(packedFiles.filter((f) => /^(src|assembly|test|bench|build)\//.test(f))).toEqual([]);
  });

  it('has types that resolve under every module resolution (arethetypeswrong)', async () => {
    const attw = join(root, 'node_modules', '.bin', 'attw');
    // The .wasm subpaths are assets for users of simdnet/slim, not modules with types.
    const args = [tarball, '--format', 'json', '--exclude-entrypoints', 'simd.wasm', 'scalar.wasm', 'relaxed.wasm', 'threads.wasm'];
    const outcome = await run(attw, args, { cwd: work, maxBuffer: 1 << 24 }).catch((e: { stdout: string }) => e);
    const report = JSON.parse(outcome.stdout) as { analysis: { problems: unknown[] } };
    expect(report.analysis.problems).toEqual([]);
  });
});

describe('Node', () => {
  it('imports it as ESM and trains XOR on both builds', async () => {
    const { stdout } = await run(process.execPath, ['node-esm.mjs'], { cwd: consumer });
    results.node = JSON.parse(stdout) as Trained;
    expectLearnedXor(results.node);
  });

  it('requires it as CommonJS and trains', async () => {
    const { stdout } = await run(process.execPath, ['node-cjs.cjs'], { cwd: consumer });
    const result = JSON.parse(stdout) as { simd: boolean; backend: string; predictions: number[] };
    expect(result.backend).toBe(result.simd ? 'simd' : 'scalar');
    expect(result.predictions[0]).toBeLessThan(0.5);
    expect(result.predictions[1]).toBeGreaterThan(0.5);
  });
});

/** Bundles a page script with esbuild as browser.js next to index.html; returns the output folder. */
async function esbuildPage(entry: string, name: string): Promise<string> {
  const out = join(consumer, name);
  await esbuild({
    absWorkingDir: consumer, entryPoints: [entry], bundle: true, minify: true, format: 'esm',
    platform: 'browser', outfile: join(out, 'browser.js'), logLevel: 'silent',
  });
  copyFileSync(join(consumer, 'index.html'), join(out, 'index.html'));
  return out;
}

describe('webpack', () => {
  it('bundles it with its default configuration (entry and output named), printing no warning or error', async () => {
    const stats = await new Promise<webpack.Stats>((done, fail) => {
      const config = {
        mode: 'production', context: consumer, entry: './browser.js', output: { path: join(consumer, 'webpack-out'), filename: 'browser.js' },
      } as const;
      webpack(config, (error, result) => (error ? fail(error) : done(result!)));
    });
    const emitted = readdirSync(join(consumer, 'webpack-out'));
    copyFileSync(join(consumer, 'index.html'), join(consumer, 'webpack-out', 'index.html'));
    const { warnings, errors } = stats.toJson({ all: false, warnings: true, errors: true });
    const messages = (list: StatsError[] = []) => list.map((problem) => problem.message);
    expect(messages(warnings)).toEqual([]);
    expect(messages(errors)).toEqual([]);
    expect(emitted).toEqual(['browser.js']); // no wasm file copied beside it
  });
});

describe('the simdnet command', () => {
  it('runs its digits demo from the installed package, data included', async () => {
    const { stdout } = await run(join(consumer, 'node_modules', '.bin', 'simdnet'), ['demo'], { cwd: consumer });
    expect(Number(/test accuracy: ([\d.]+)%/.exec(stdout)?.[1])).toBeGreaterThanOrEqual(97);
  });
});

describeNeeding(BROWSER_MISSING, 'headless Chromium', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 120_000);

  it('runs an esbuild browser bundle', async () => {
    results.esbuild = await trainInChromium(`${await serve(await esbuildPage('browser.js', 'esbuild-out'))}/index.html`);
    expectLearnedXor(results.esbuild);
  });

  it('runs the slim entry with the .wasm files hosted beside the page, and the relaxed build (Chromium ≥ 114 has relaxed SIMD)', async () => {
    const out = await esbuildPage('slim-browser.js', 'slim-out');
    for (const build of ['simd', 'scalar', 'relaxed']) {
      copyFileSync(join(consumer, 'node_modules', 'simdnet', 'dist', `simdnet.${build}.wasm`), join(out, `simdnet.${build}.wasm`));
    }
    expect(readFileSync(join(out, 'browser.js'), 'utf8')).not.toMatch(/AGFzbQ/); // no embedded wasm (base64 of '\0asm')
    results.slim = await trainInChromium(`${await serve(out)}/index.html`);
    expectLearnedXor(results.slim);
    expect(results.slim.relaxed).toMatchObject({ backend: 'relaxed', accuracy: 1 });
  });

  it('runs a Vite production build', async () => {
    await viteBuild({ root: consumer, logLevel: 'silent', configFile: false, build: { outDir: 'vite-out' } });
    results.vite = await trainInChromium(`${await serve(join(consumer, 'vite-out'))}/index.html`);
    expectLearnedXor(results.vite);
  });

  it('runs the webpack build', async () => {
    results.webpack = await trainInChromium(`${await serve(join(consumer, 'webpack-out'))}/index.html`);
    expectLearnedXor(results.webpack);
  });

  it('runs networks on several threads in a cross-origin-isolated page, to the same bits as on one', async () => {
    interface Threaded { isolated: boolean; runs: { asked: number; threads: number; hash: string }[] }
    const out = await esbuildPage('threads-browser.js', 'threads-out');
    const isolated = await trainInChromium<Threaded>(`${await serve(out, ISOLATED)}/index.html`);
    expect(isolated.isolated).toBe(true);
    expect(isolated.runs.map((r) => r.threads)).toEqual([1, 2, 4]);
    expect(new Set(isolated.runs.map((r) => r.hash)).size).toBe(1);
    // Without the headers there is no shared memory: every network runs on one thread, to the same bits.
    const plain = await trainInChromium<Threaded>(`${await serve(out)}/index.html`);
    expect(plain.isolated).toBe(false);
    expect(plain.runs.map((r) => r.threads)).toEqual([1, 1, 1]);
    expect(plain.runs.map((r) => r.hash)).toEqual(isolated.runs.map((r) => r.hash));
  });

  it('trains to the same weight bytes as Node, on both builds', () => {
    expect(Object.keys(results).sort()).toEqual(['esbuild', 'node', 'slim', 'vite', 'webpack']);
    const hashes = Object.values(results).flatMap((r) => [r.simd.hash, r.scalar.hash]);
    expect(new Set(hashes).size).toBe(1);
  });

  it('keeps the minified ESM bundle of the library within its size budget', async () => {
    const bundle = await esbuild({
      absWorkingDir: consumer, stdin: { contents: "export { Network } from 'simdnet';", resolveDir: consumer },
      bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent',
    });
    const gzipped = gzipSync(bundle.outputFiles[0]!.contents, { level: 9 }).length;
    console.log(`simdnet ESM bundle: ${bundle.outputFiles[0]!.contents.length} B minified, ${gzipped} B gzipped`);
    // Two wasm builds embedded as base64 are most of it (about 60 KB); the budget leaves room for
    // the API around them, not for an accidental dependency or a duplicated build.
    expect(gzipped).toBeLessThan(89 * 1024);
  });
});
