// The benchmark's browser peers (bench/browser.mjs), in a child process as bench/run.mjs starts
// one: TF.js wasm on two threads, in a cross-origin-isolated page of headless Chromium, answers
// the requests every child answers; without a browser, the peer is reported unavailable.

import { fork } from 'node:child_process';
import { once } from 'node:events';
import { expect, it } from 'vitest';
import { BROWSER_MISSING } from './support/browser.js';
import { describeNeeding } from './support/requirements.js';

const CHILD = new URL('../bench/child.mjs', import.meta.url).pathname;

/** bench/child.mjs serving a library on a workload, and its next message over IPC. */
function serveLibrary(peer: string, workload: string, env: NodeJS.ProcessEnv = process.env) {
  const child = fork(CHILD, ['quick', 'library', peer, workload], { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const next = async () => (await once(child, 'message'))[0] as Record<string, unknown>;
  return { child, next };
}

it('reports a browser peer unavailable, with the reason, where no browser is found', async () => {
  const { next } = serveLibrary('tfjs-wasm-2t', 'W1', { ...process.env, SIMDNET_CHROMIUM: '/nowhere/chromium' });
  expect(await next()).toEqual({ unavailable: 'needs headless Chromium: SIMDNET_CHROMIUM=/nowhere/chromium is not an executable file' });
});

describeNeeding(BROWSER_MISSING, 'headless Chromium', () => {
  it('runs TF.js wasm on two threads in the page and answers for it as a child does', async () => {
    const { child, next } = serveLibrary('tfjs-wasm-2t', 'W1');
    // Set up only once TF.js runs the two threads asked for (bench/peers/tfjs.mjs checks).
    expect(await next()).toEqual({ ready: true, bulk: true });
    for (const kind of ['train', 'infer', 'inferBulk']) {
      child.send({ rep: kind });
      expect((await next()).rate).toBeGreaterThan(0);
    }
    child.send({ finish: true });
    const figures = await next();
    expect(figures.version).toMatch(/^4\./);
    expect(figures.wasmBytesPerParam).toBeGreaterThan(0);
    if (process.platform === 'linux') expect(figures.peakRssBytes).toBeGreaterThan(0);
    await once(child, 'exit');
  }, 120_000);
});
