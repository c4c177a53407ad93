// A peer measured in headless Chromium instead of Node, for what only a browser runs (TF.js
// wasm on several threads needs a page's workers): this process serves a cross-origin-isolated
// page holding the peer's module and session.mjs, bundled by esbuild, and asks it for each
// repetition through playwright-core, so run.mjs interleaves it like any child. Chromium is
// started from this process and so inherits its pinning (run.mjs pins it to `cores` cores).

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { BROWSER_MISSING, launchBrowser } from '../scripts/chromium.mjs';

const bench = fileURLToPath(new URL('.', import.meta.url));
const installed = fileURLToPath(new URL('../node_modules/', import.meta.url));

// A page has shared memory, and so threads, only when it is cross-origin isolated.
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
const PAGE = '<!doctype html><meta charset="utf-8"><title>simdnet bench</title><script type="module" src="/page.js"></script>';

/**
 * The peer in a page, as session.mjs's startSession answers: { unavailable } (no browser here,
 * or the peer cannot run the workload), else { bulk, rep(kind), finish() }, finish closing the
 * browser. The peak resident set reported is the page's renderer process's.
 */
export async function startBrowserSession(peer, workload, profileName) {
  if (BROWSER_MISSING) return { unavailable: `needs headless Chromium: ${BROWSER_MISSING}` };
  const server = await serve(bundlePage(peer));
  let browser;
  try {
    browser = await launchBrowser();
    const page = await browser.newPage();
    // The page's own errors end a request that would otherwise wait for its answer forever.
    const crashed = new Promise((_, reject) => page.on('pageerror', reject));
    crashed.catch(() => {});
    const ask = (request, arg) => Promise.race([page.evaluate(request, arg), crashed]);
    await page.goto(server.url);
    const started = await ask(
      ([workloadId, variant, profile]) => globalThis.benchSession.start(workloadId, variant, profile),
      [workload.id, peer.variant ?? {}, profileName],
    );
    if (started.unavailable) {
      await close(browser, server);
      return started;
    }
    return {
      bulk: started.bulk,
      rep: (kind) => ask((k) => globalThis.benchSession.rep(k), kind),
      async finish() {
        const figures = await ask(() => globalThis.benchSession.finish());
        const peakRssBytes = await rendererPeakRss(browser);
        await close(browser, server);
        return { ...figures, peakRssBytes };
      },
    };
  } catch (error) {
    await close(browser, server);
    throw error;
  }
}

// The page's script: browser-page.mjs serving the peer's module, with every package bundled in.
function bundlePage(peer) {
  const entry = `import * as adapter from './peers/${peer.module}';\nimport { servePeer } from './browser-page.mjs';\nservePeer(adapter);\n`;
  const { outputFiles } = buildSync({
    stdin: { contents: entry, resolveDir: bench, sourcefile: 'page-entry.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return outputFiles[0].contents;
}

// Serves the page at /, its script at /page.js and the installed packages' files under
// /node_modules/ (a wasm backend fetches its .wasm files from there), every response with the
// isolation headers. Resolves with { url, close }.
function serve(script) {
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    const file = path.startsWith('/node_modules/') ? normalize(join(installed, path.slice('/node_modules/'.length))) : undefined;
    try {
      if (path === '/') return void response.writeHead(200, { ...ISOLATION, 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      if (path === '/page.js') return void response.writeHead(200, { ...ISOLATION, 'content-type': 'text/javascript' }).end(script);
      if (!file?.startsWith(installed)) throw new Error('not served');
      const type = file.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream';
      response.writeHead(200, { ...ISOLATION, 'content-type': type }).end(await readFile(file));
    } catch {
      response.writeHead(404, ISOLATION).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() }));
  });
}

// The page's renderer's peak resident set (Linux: VmHWM in /proc), or null where it cannot be
// read. Chromium keeps a spare renderer besides the page's: the page's has run the measurements.
async function rendererPeakRss(browser) {
  try {
    const cdp = await browser.newBrowserCDPSession();
    const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
    const renderer = processInfo.filter((p) => p.type === 'renderer').reduce((a, b) => (b.cpuTime > a.cpuTime ? b : a));
    const status = await readFile(`/proc/${renderer.id}/status`, 'utf8');
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)[1]) * 1024;
  } catch {
    return null;
  }
}

async function close(browser, server) {
  await browser?.close();
  server.close();
}
