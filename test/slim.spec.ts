// The 'simdnet/slim' entry: no embedded wasm; init() takes a hosted file, in Node also a file on
// disk, a Response, bytes or a Module.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, Network, relaxedSimdSupported } from '../src/slim.js';

const wasmFile = (build: string): URL => new URL(`../build/simdnet.${build}.wasm`, import.meta.url);
const wasm = (build: string): Buffer => readFileSync(wasmFile(build));
const config = { inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'binaryCrossentropy', seed: 3 } as const;
const served: string[] = [];
let base = '';
const server = createServer((request, response) => {
  served.push(request.url!);
  const build = /simdnet\.(simd|scalar)\.wasm/.exec(request.url!)?.[1];
  if (!build) return void response.writeHead(404).end();
  // '?plain' serves it without the wasm MIME type, which rules out streaming compilation.
  response.writeHead(200, { 'content-type': request.url!.includes('plain') ? 'application/octet-stream' : 'application/wasm' });
  response.end(wasm(build));
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('simdnet/slim', () => {
  it('refuses to create a network before init, naming init', async () => {
    await expect(Network.create(config)).rejects.toThrow(/init\(\{ simd/);
  });

  it('rejects init without sources, with unknown keys, or with a bad source', async () => {
    await expect(init({})).rejects.toThrow(/'simd' and\/or 'scalar'/);
    await expect(init({ wasm: 'x' } as never)).rejects.toThrow(/wasm/);
    await expect(init({ scalar: 42 as never })).rejects.toThrow(/scalar source must be/);
    await expect(init({ scalar: `${base}missing.wasm` })).rejects.toThrow(/404/);
    await expect(Network.create({ ...config, backend: 'scalar' })).rejects.toThrow(/init/);
  });

  it('names the source, and what init takes, when it cannot read, fetch or compile it', async () => {
    await expect(init({ simd: '/no/such/simdnet.simd.wasm' })).rejects.toThrow(
      /^init: cannot read the simd wasm build from \/no\/such\/simdnet\.simd\.wasm \(ENOENT.*\); init takes a URL \(in Node also a file path or file: URL\), a fetch Response/,
    );
    await expect(init({ simd: 'http://127.0.0.1:1/simdnet.simd.wasm' })).rejects.toThrow(
      /^init: fetching the simd wasm build from http:\/\/127\.0\.0\.1:1\/simdnet\.simd\.wasm failed \(fetch failed: .+\); init takes/,
    );
    const notWasm = new URL('../package.json', import.meta.url);
    await expect(init({ simd: notWasm })).rejects.toThrow(`init: ${notWasm.href} is not a valid simd wasm build (`);
    await expect(init({ simd: new Uint8Array(8) })).rejects.toThrow('init: the bytes given is not a valid simd wasm build (');
    await expect(Network.create({ ...config, backend: 'simd' })).rejects.toThrow(/init/);
  });

  it('loads the scalar build from bytes, and auto falls back to it while SIMD is not provided', async () => {
    await init({ scalar: new Uint8Array(wasm('scalar')) });
    const net = await Network.create(config);
    expect(net.backend).toBe('scalar');
    await expect(Network.create({ ...config, backend: 'simd' })).rejects.toThrow(/simd wasm build has not been provided/);
    net.dispose();
  });

  it.each([
    ['a URL served as application/wasm (streaming)', () => `${base}simdnet.simd.wasm`],
    ['a URL served without the wasm type', () => new URL(`${base}simdnet.simd.wasm?plain`)],
    ['a Response', () => fetch(`${base}simdnet.simd.wasm`)],
    ['a compiled Module', () => new WebAssembly.Module(new Uint8Array(wasm('simd')))],
    ['a file path (Node)', () => fileURLToPath(wasmFile('simd'))],
    ['a path relative to the working directory (Node)', () => relative(process.cwd(), fileURLToPath(wasmFile('simd')))],
    ['a file: URL (Node)', () => wasmFile('simd')],
    ['a file: URL string (Node)', () => wasmFile('simd').href],
  ])('loads the SIMD build from %s and predicts like the scalar build', async (_, source) => {
    await init({ simd: source() });
    const simd = await Network.create(config);
    const scalar = await Network.create({ ...config, backend: 'scalar' });
    expect(simd.backend).toBe('simd');
    expect(simd.predict([[0.5, -1]])).toEqual(scalar.predict([[0.5, -1]]));
    simd.dispose();
    scalar.dispose();
  });

  it("takes the opt-in relaxed build, which backend 'relaxed' needs (and ignores it where the engine lacks relaxed SIMD)", async () => {
    const relaxed = { ...config, backend: 'relaxed' } as const;
    if (relaxedSimdSupported()) {
      await expect(Network.create(relaxed)).rejects.toThrow(/relaxed wasm build has not been provided.*init\(\{ relaxed/);
    }
    await init({ relaxed: new Uint8Array(wasm('relaxed')) });
    if (relaxedSimdSupported()) {
      const net = await Network.create(relaxed);
      expect(net.backend).toBe('relaxed');
      net.dispose();
    } else {
      await expect(Network.create(relaxed)).rejects.toThrow(/does not support relaxed SIMD/);
    }
  });

  it('fetched each hosted file it was given', () => {
    expect(served, served.join()).toEqual(['/missing.wasm', '/simdnet.simd.wasm', '/simdnet.simd.wasm?plain', '/simdnet.simd.wasm']);
  });
});
