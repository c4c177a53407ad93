// The memory of many small networks alive at once, as an application that keeps one network
// per user or per sensor holds them: each created, fitted once on 32 rows and asked one
// prediction, none disposed. Run in a child process of its own (child.mjs), so that nothing
// else shares its heap, with node's --expose-gc, so that the resident set is read with the
// garbage already collected.

import { watchWasmMemory, wasmMemoryBytes } from './wasm-memory.mjs';
import { findWorkload, generateData } from './workloads.mjs';

/** What is measured: how many networks, their layers, and the rows of their one fit. */
const MANY_NETWORKS = {
  count: 1000,
  inputs: 64,
  layers: [{ units: 32, activation: 'relu' }, { units: 10, activation: 'softmax' }],
  rows: 32,
};

/**
 * { count, shape, rows, rssBytes, wasmBytes, createSeconds, seconds }: the growth of the
 * resident set from before the first network to after the last (both read after a full garbage
 * collection), the wasm memory the library then holds, the time spent in Network.create and the
 * time of the whole (create, fit, predict).
 */
export async function measureManyNetworks() {
  watchWasmMemory();
  const { Network } = await import('../dist/index.js');
  const { count, inputs, layers, rows } = MANY_NETWORKS;
  // W2's inputs and one-hot targets have this shape.
  const data = generateData(findWorkload('W2'));
  const x = data.x.subarray(0, rows * inputs);
  const y = data.y.subarray(0, rows * data.outputs);
  const residentAfterGc = () => {
    globalThis.gc();
    return process.memoryUsage().rss;
  };
  const before = residentAfterGc();
  const networks = [];
  let createSeconds = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const net = await Network.create({ inputs, layers, loss: 'categoricalCrossentropy', seed: i + 1 });
    createSeconds += (performance.now() - t0) / 1000;
    await net.fit(x, y);
    net.predict(x);
    networks.push(net);
  }
  const seconds = (performance.now() - started) / 1000;
  const rssBytes = residentAfterGc() - before;
  const wasmBytes = wasmMemoryBytes();
  for (const net of networks) net.dispose();
  return { count, shape: [inputs, ...layers.map((l) => l.units)].join('-'), rows, rssBytes, wasmBytes, createSeconds, seconds };
}
