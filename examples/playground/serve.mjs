// Serves the repository over http://localhost so the playground can load
// dist/index.js (the library's ESM build) in a module worker, and the race page
// TensorFlow.js's browser bundles and wasm files from node_modules. Every
// response carries the cross-origin isolation headers (COOP and COEP), which
// pages need for shared memory, and so for networks on several threads.
// Usage: node examples/playground/serve.mjs [port]

import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.map': 'application/json', '.wasm': 'application/wasm',
};

/** Starts the server; resolves with its URL. */
export function startPlayground(port = 0) {
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/index.js is missing: run `npm run build` first');
  const server = createServer((request, response) => {
    let path = normalize(join(root, decodeURIComponent(new URL(request.url, 'http://x').pathname)));
    if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'index.html');
    if (!path.startsWith(root) || !existsSync(path) || !statSync(path).isFile()) return void response.writeHead(404).end('not found');
    response.writeHead(200, {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    response.end(readFileSync(path));
  });
  return new Promise((done) => server.listen(port, '127.0.0.1', () => {
    done({ url: `http://127.0.0.1:${server.address().port}/examples/playground/`, close: () => server.close() });
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await startPlayground(Number(process.argv[2] ?? 8080));
  console.log(`simdnet playground: ${url}\nthe race against TensorFlow.js: ${url}race.html\n(Ctrl-C to stop)`);
}
