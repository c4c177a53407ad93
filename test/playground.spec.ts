// The playground and the race page in headless Chromium, served by `npm run playground`'s
// server: each dataset trains to its target and stops by itself, training is paced, the URL
// carries the configuration, invalid input is marked, divergence is reported, the network
// downloads as JSON, the page fits a phone, and the race reports both libraries' rates.
// Screenshots of both pages are written to a folder the test prints.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Network } from '../src/index.js';
import { BROWSER_MISSING, launchBrowser } from './support/browser.js';
import { describeNeeding } from './support/requirements.js';

let server: ChildProcess;
let browser: Browser;
let url = '';
let screenshots = '';

const CONTROLS = [
  'dataset', 'noise', 'trainPercent', 'seed', 'layers', 'optimizer', 'learningRate', 'l2', 'batchSize', 'speed', 'maxEpochs',
  'stopAtConvergence',
];

async function open(path: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url + path);
  await page.waitForSelector('#status[data-state]');
  return { page, errors };
}

/** The status line's numbers, and why training stopped. */
async function statusOf(page: Page) {
  return page.evaluate(() => {
    const { epoch, state, loss, valLoss, accuracy, valAccuracy } = document.getElementById('status')!.dataset;
    const stop = document.getElementById('stopReason')!;
    return {
      epoch: Number(epoch), state, loss: Number(loss), valLoss: Number(valLoss), accuracy: Number(accuracy), valAccuracy: Number(valAccuracy),
      text: document.getElementById('status')!.textContent!, reason: stop.dataset.reason, stop: stop.textContent!,
    };
  });
}

/** Waits for the worker to report this state ('running', 'paused' or 'stopped'); the status then. */
async function until(page: Page, state: string, timeout = 20_000) {
  await page.waitForFunction((s) => document.getElementById('status')!.dataset.state === s, state, { timeout });
  return statusOf(page);
}

const controlValues = (page: Page) => page.evaluate((names) => names.map((name) => (document.getElementById(name) as HTMLInputElement).value), CONTROLS);

describeNeeding(BROWSER_MISSING, 'the playground and the race page in headless Chromium', () => {
  beforeAll(async () => {
    server = spawn(process.execPath, [join(import.meta.dirname, '..', 'examples', 'playground', 'serve.mjs'), '0']);
    url = await new Promise<string>((resolve, reject) => {
      server.stdout!.on('data', (chunk: Buffer) => {
        const match = /http:\/\/\S+/.exec(String(chunk));
        if (match) resolve(match[0]);
      });
      server.stderr!.on('data', (chunk: Buffer) => reject(new Error(String(chunk))));
    });
    browser = await launchBrowser();
    screenshots = mkdtempSync(join(tmpdir(), 'simdnet-playground-'));
    console.log(`screenshots of the playground and the race page: ${screenshots}`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill();
  });

  it.each([
    ['xor', '', 1],
    ['circle', '', 1],
    ['gaussians', '', 1],
    ['spiral', '', 1],
    ['gaussians', '&noise=0.3', 0.9],
  ])('trains %s%s at full speed to %f validation accuracy and stops by itself', async (dataset, extra, target) => {
    const { page, errors } = await open(`#dataset=${dataset}&speed=full${extra}`);
    await page.click('#play');
    const status = await until(page, 'stopped');
    expect(status.reason).toBe('converged');
    expect(status.stop).toMatch(extra
      ? /converged: the validation loss has not improved by 1 % on its best \(.+ at epoch \d+\) for 200 epochs/
      : /converged: every training and validation point classified correctly for 100 epochs/);
    expect(status.valAccuracy).toBeGreaterThanOrEqual(target);
    expect(status.text).toMatch(/^loss \S+ training, \S+ validation · accuracy [\d.]+ % training, [\d.]+ % validation$/);
    expect(status.text).not.toMatch(/0\.0000/);
    // Every unit is drawn: 2 inputs, 8 + 8 hidden, 1 output.
    expect(await page.getAttribute('#network', 'data-units')).toBe('19');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('paces training: one epoch a frame by default, one batch a frame at the slowest, one epoch a Step', async () => {
    const { page, errors } = await open('#dataset=xor');
    await page.click('#step');
    await page.waitForFunction(() => document.getElementById('status')!.dataset.epoch === '1');
    await page.click('#step');
    await page.waitForFunction(() => document.getElementById('status')!.dataset.epoch === '2');
    // The worker trains at most one frame's worth every 1/30 s, however long the clicks take here
    // (a loaded machine only makes frames rarer): far from the thousands of epochs of full speed.
    const framesAtMost = async (seconds: number) => {
      const started = performance.now();
      await page.click('#play');
      await page.waitForTimeout(seconds * 1000);
      await page.click('#play');
      const status = await until(page, 'paused');
      return { status, frames: ((performance.now() - started) / 1000) * 31 + 1 };
    };
    const paced = await framesAtMost(1);
    expect(paced.status.epoch).toBeGreaterThan(2);
    expect(paced.status.epoch - 2).toBeLessThanOrEqual(paced.frames);

    // 20 batches of 10 make an epoch, and a frame trains one batch.
    await page.selectOption('#speed', 'step');
    const stepped = await framesAtMost(0.5);
    const batches = (stepped.status.epoch - paced.status.epoch) * 20;
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThanOrEqual(stepped.frames);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('stops at the epoch limit, and says so', async () => {
    const { page } = await open('#dataset=spiral&speed=full&maxEpochs=40');
    await page.click('#play');
    const status = await until(page, 'stopped');
    expect(status).toMatchObject({ epoch: 40, reason: 'epochLimit' });
    expect(status.stop).toBe('Stopped at epoch 40: reached the limit of 40 epochs. Raise or clear the limit to train on.');
    // Play at the limit trains nothing; past a raised limit it trains on.
    await page.click('#play');
    await page.waitForTimeout(200);
    expect(await until(page, 'stopped')).toMatchObject({ epoch: 40, reason: 'epochLimit' });
    await page.fill('#maxEpochs', '60');
    await page.click('#play');
    await page.waitForFunction(() => document.getElementById('status')!.dataset.epoch === '60');
    expect(await until(page, 'stopped')).toMatchObject({ epoch: 60, reason: 'epochLimit' });
    await page.close();
  });

  it('carries the whole configuration in the URL: a new page opened on it shows the same controls', async () => {
    const { page, errors } = await open('');
    await page.selectOption('#dataset', 'circle');
    await page.fill('#noise', '0.2');
    await page.fill('#trainPercent', '70');
    await page.fill('#seed', '7');
    await page.click('#addLayer');
    await page.selectOption('select[data-layer="0"]', 'relu');
    await page.click('[aria-label="fewer units in hidden layer 2"]');
    await page.selectOption('#optimizer', 'momentum');
    await page.fill('#learningRate', '0.05');
    await page.fill('#l2', '0.001');
    await page.fill('#batchSize', '25');
    await page.selectOption('#speed', 'epochs10');
    await page.fill('#maxEpochs', '300');
    await page.selectOption('#stopAtConvergence', 'no');
    const values = await controlValues(page);
    expect(values).toEqual(['circle', '0.2', '70', '7', '8 relu, 7 tanh, 4 tanh', 'momentum', '0.05', '0.001', '25', 'epochs10', '300', 'no']);

    const shared = await open(new URL(page.url()).hash);
    await shared.page.waitForSelector('#network[data-units]');
    expect(await controlValues(shared.page)).toEqual(values);
    expect(await shared.page.getAttribute('#network', 'data-units')).toBe(String(2 + 8 + 7 + 4 + 1));
    expect([...errors, ...shared.errors]).toEqual([]);
    await Promise.all([page.close(), shared.page.close()]);
  });

  it('marks invalid input red with a message and keeps it, in the URL too; warns of a learning rate likely to fail', async () => {
    const { page } = await open('');
    const field = (name: string) => page.evaluate((id) => {
      const input = document.getElementById(id)!;
      return { value: (input as HTMLInputElement).value, className: input.className, invalid: input.getAttribute('aria-invalid'), message: document.getElementById(`${id}-message`)!.textContent };
    }, name);

    await page.fill('#layers', '8 tanh, abc');
    expect(await field('layers')).toEqual({
      value: '8 tanh, abc', className: 'invalid', invalid: 'true', message: 'layer 2: "abc" is not "<units> <activation>", e.g. "8 tanh"',
    });
    expect(await page.isDisabled('#play')).toBe(true);
    expect(await page.textContent('#invalidNotice')).toBe('Fix the fields marked in red to train.');

    await page.fill('#learningRate', '50');
    expect(await field('learningRate')).toMatchObject({ className: 'warned', invalid: 'false', message: expect.stringMatching(/^50 is high for adam/) });
    await page.fill('#batchSize', '0');
    expect(await field('batchSize')).toMatchObject({ className: 'invalid', message: 'must be at least 1' });

    const shared = await open(new URL(page.url()).hash);
    expect(await shared.page.inputValue('#layers')).toBe('8 tanh, abc');
    expect(await shared.page.getAttribute('#layers', 'aria-invalid')).toBe('true');
    expect(await shared.page.getAttribute('#learningRate', 'class')).toBe('warned');

    await page.fill('#layers', '4 relu');
    await page.fill('#batchSize', '10');
    expect(await field('layers')).toMatchObject({ className: '', invalid: 'false', message: '' });
    expect(await page.isDisabled('#play')).toBe(false);
    expect(await page.isHidden('#invalidNotice')).toBe(true);

    // A field made invalid while training does not stop it: the page says the last valid settings train on.
    await page.click('#play');
    await until(page, 'running');
    await page.fill('#learningRate', '0.');
    expect(await page.textContent('#invalidNotice')).toBe(
      'Fix the fields marked in red to apply your changes; training goes on with the last valid settings.',
    );
    await page.waitForTimeout(300);
    expect((await statusOf(page)).state).toBe('running');
    await Promise.all([page.close(), shared.page.close()]);
  });

  it("stops with simdnet's DivergenceError message when training diverges", async () => {
    const { page, errors } = await open('#dataset=xor&optimizer=sgd&learningRate=1e30&layers=8%20relu');
    await page.click('#play');
    const status = await until(page, 'stopped');
    expect(status.reason).toBe('diverged');
    expect(status.stop).toMatch(/^Stopped at epoch 0: training diverged in epoch 1, and simdnet put back the weights/);
    expect(status.stop).toMatch(/"training diverged in epoch 1, batch \d+: the loss became NaN or Infinity \(learning rate 1e\+30\); the weights were restored/);
    expect(status.stop).toMatch(/lower the learning rate and press Play\.$/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('downloads the trained network as simdnet JSON that Network.fromJSON loads', async () => {
    const { page } = await open('#dataset=xor&speed=full');
    await page.click('#play');
    await until(page, 'stopped');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toMatch(/^simdnet-xor-epoch-\d+\.json$/);
    const net = await Network.fromJSON(readFileSync((await download.path())!, 'utf8'));
    const [[same], [different]] = net.predict([[0.5, 0.5], [0.5, -0.5]]) as [[number], [number]];
    expect(same).toBeGreaterThan(0.9);
    expect(different).toBeLessThan(0.1);
    net.dispose();
    await page.close();
  });

  it('shows the unit pointed at large in place of the output', async () => {
    const { page } = await open('#dataset=spiral');
    await page.waitForSelector('#network[data-units]');
    const width = await page.$eval('#network', (canvas) => canvas.clientWidth);
    // The columns share the width: inputs, two hidden layers, output; the first unit is at the top.
    await page.hover('#network', { position: { x: (1.5 * width) / 4, y: 20 } });
    await expect.poll(() => page.textContent('#showing')).toBe('Showing unit 1 of hidden layer 1; point elsewhere for the output.');
    await page.mouse.move(0, 0);
    await expect.poll(() => page.textContent('#showing')).toBe('');
    await page.close();
  });

  it('fits a phone-sized screen', async () => {
    const { page } = await open('#dataset=spiral', { width: 390, height: 844 });
    const { scrollWidth, boundary } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      boundary: document.getElementById('boundary')!.getBoundingClientRect().width,
    }));
    expect(scrollWidth).toBeLessThanOrEqual(390);
    expect(boundary).toBeGreaterThan(300);
    await page.close();
  });

  it('takes a screenshot of the spiral being learned, mid-training', async () => {
    const { page } = await open('');
    await page.click('#play');
    await page.waitForFunction(() => Number(document.getElementById('status')!.dataset.accuracy) >= 0.8, undefined, { timeout: 20_000 });
    await page.click('#play');
    const status = await until(page, 'paused');
    expect(status.accuracy).toBeLessThan(1);
    await page.screenshot({ path: join(screenshots, 'playground.png'), fullPage: true });
    await page.close();
  });

  it('races simdnet against TF.js wasm (and WebGL where the browser has it) and gives the verdict', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${url}race.html`);
    await page.selectOption('#seconds', '3');
    await page.click('#start');
    await page.waitForFunction(() => document.getElementById('verdict')!.dataset.done, undefined, { timeout: 120_000 });
    const rows = await page.$$eval('#results tbody tr', (trs) => trs.map((tr) => ({
      contestant: (tr as HTMLElement).dataset.contestant, state: (tr as HTMLElement).dataset.state,
      rate: Number((tr as HTMLElement).dataset.rate), detail: tr.querySelector('.detail')!.textContent!,
    })));
    const verdict = await page.textContent('#verdict');
    console.log(`race in headless Chromium: ${verdict}\n${rows.map((r) => `  ${r.contestant}: ${r.rate ? `${Math.round(r.rate)} samples/s` : ''} (${r.detail})`).join('\n')}`);
    const row = (id: string) => rows.find((r) => r.contestant === id)!;
    for (const id of ['simdnet', 'tfjs-wasm']) expect(row(id)).toMatchObject({ state: 'done', rate: expect.any(Number) });
    expect(row('simdnet').rate).toBeGreaterThan(0);
    expect(row('tfjs-wasm').rate).toBeGreaterThan(0);
    expect(verdict).toMatch(/^simdnet trained [\d.]+× (faster|slower) than TF\.js wasm in this browser; /);
    // Headless Chromium may have no WebGL; then the page says so.
    const webgl = row('tfjs-webgl');
    if (webgl.state === 'done') expect(webgl.rate).toBeGreaterThan(0);
    else expect(webgl.detail).toMatch(/^not available in this browser: /);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(screenshots, 'race.png'), fullPage: true });
    await page.close();
  }, 150_000);
});
