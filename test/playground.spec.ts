// The playground page in headless Chromium: train XOR for a few seconds in the
// worker, then check the loss fell and the boundary canvas shows both classes.

import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BROWSER_MISSING, launchBrowser } from './support/browser.js';
import { describeNeeding } from './support/requirements.js';

let server: ChildProcess;
let browser: Browser;
let url = '';

describeNeeding(BROWSER_MISSING, 'the playground in headless Chromium', () => {
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
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill();
  });

  it('trains XOR in a worker and draws a non-trivial decision boundary', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.selectOption('#dataset', 'xor');
    await page.click('#train');
    // The page must stay responsive while the worker trains: the status updates as it goes.
    await page.waitForFunction(() => {
      const { loss, firstLoss } = (document.getElementById('status') as HTMLElement).dataset;
      return loss !== undefined && Number(loss) < 0.5 * Number(firstLoss);
    }, undefined, { timeout: 30_000 });
    await page.click('#stop');
    const shot = join(tmpdir(), 'simdnet-playground.png');
    await page.screenshot({ path: shot });
    console.log(`playground screenshot: ${shot}`);

    const { status, classes, distinct } = await page.evaluate(() => {
      const canvas = document.getElementById('boundary') as HTMLCanvasElement;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      const colors = new Set<number>();
      let blue = 0;
      let orange = 0;
      for (let i = 0; i < data.length; i += 4) {
        colors.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
        if (data[i + 2]! > data[i]! + 40) blue++;
        if (data[i]! > data[i + 2]! + 40) orange++;
      }
      return { status: document.getElementById('status')!.textContent, classes: [blue, orange], distinct: colors.size };
    });
    expect(errors).toEqual([]);
    expect(status).toMatch(/epoch \d+ · loss [\d.]+ · accuracy/);
    expect(distinct).toBeGreaterThan(20);
    // XOR's boundary gives each class roughly half of the plane.
    const total = 384 * 384;
    for (const share of classes) expect(share / total).toBeGreaterThan(0.2);
    await page.close();
  });
});
