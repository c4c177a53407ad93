// The opt-in relaxed build through the public API. 'auto' never picks it; backend 'relaxed'
// trains where the engine has relaxed SIMD (vitest.config.ts gives Node 20's workers the flag)
// and, where it lacks it, fails with an error that names the problem and the fix, creating no
// network. The built main entry (dist/, ESM and CJS) reads dist/simdnet.relaxed.wasm by
// itself in Node: checked in child processes, with the flag and without it.

import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Network, type NetworkConfig, simdSupported } from '../src/index.js';
import { RELAXED } from './support/kernels.js';

const run = promisify(execFile);
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
const UNSUPPORTED = /does not support relaxed SIMD \(f32x4\.relaxed_madd\): in Node 20 start node with --experimental-wasm-relaxed-simd/;

// XOR through layers wide enough (4 rows × 16 units) for the GEMM rather than the small-product loops.
const config: NetworkConfig = {
  inputs: 2, layers: [{ units: 16, activation: 'tanh' }, { units: 16, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }],
  loss: 'binaryCrossentropy', seed: 9,
};
const x = new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]);
const y = new Float32Array([0, 1, 1, 0]);

async function trainedWeights(backend: 'simd' | 'relaxed'): Promise<{ net: Network; weights: Float32Array }> {
  const net = await Network.create({ ...config, backend });
  await net.fit(x, y, { epochs: 300, batchSize: 4, optimizer: { type: 'adam', learningRate: 0.02 } });
  return { net, weights: Float32Array.from(net.getWeights().flatMap((l) => [...l.weights, ...l.bias!])) };
}

describe("backend 'relaxed'", () => {
  it("is never what 'auto' picks", async () => {
    const net = await Network.create(config);
    expect(net.backend).toBe(simdSupported() ? 'simd' : 'scalar');
    net.dispose();
  });

  it.runIf(RELAXED)('trains XOR to weights within float32 rounding of the SIMD build’s, not necessarily the same bits', async () => {
    const [relaxed, simd] = [await trainedWeights('relaxed'), await trainedWeights('simd')];
    expect(relaxed.net.backend).toBe('relaxed');
    expect(relaxed.net.config.backend).toBe('relaxed');
    expect(relaxed.net.evaluate(x, y).accuracy).toBe(1);
    relaxed.weights.forEach((w, i) => expect(Math.abs(w - simd.weights[i]!), `weight ${i}`).toBeLessThan(1e-4 * (1 + Math.abs(w))));
    relaxed.net.dispose();
    simd.net.dispose();
  });

  it.skipIf(RELAXED)('fails where the engine lacks relaxed SIMD, naming the problem and how to enable it', async () => {
    await expect(Network.create({ ...config, backend: 'relaxed' })).rejects.toThrow(UNSUPPORTED);
  });
});

describe('the built main entry in a Node child process', () => {
  const flagAccepted = spawnSync(process.execPath, [RELAXED_FLAG, '-e', '0']).status === 0;
  const runs = [
    ...(flagAccepted ? [{ how: `with ${RELAXED_FLAG}`, flags: [RELAXED_FLAG] }] : []),
    { how: 'without flags', flags: [] as string[] },
  ];
  const entries = ['index.js', 'index.cjs'];

  it.each(runs.flatMap((r) => entries.map((entry) => ({ ...r, entry }))))(
    'dist/$entry $how: trains on dist/simdnet.relaxed.wasm where the engine has relaxed SIMD, else a clear error',
    async ({ flags, entry }) => {
      const path = new URL(`../dist/${entry}`, import.meta.url);
      if (!existsSync(path)) throw new Error('dist/ is missing: run npm run build first');
      const child = new URL('support/relaxed-xor.mjs', import.meta.url);
      const { stdout } = await run(process.execPath, [...flags, child.pathname, path.pathname]);
      const result = JSON.parse(stdout) as { supported: boolean; backend?: string; accuracy?: number; error?: string; created?: boolean };
      if (result.supported) {
        expect(result).toEqual({ supported: true, backend: 'relaxed', accuracy: 1 });
      } else {
        expect(result.error).toMatch(UNSUPPORTED);
        expect(result.created, 'no network was created').toBe(false);
      }
      // Node 20 has relaxed SIMD exactly when given the flag.
      if (process.versions.node.startsWith('20.')) expect(result.supported).toBe(flags.length > 0);
    },
  );
});
