// The pool's workers in a process of its own: an unreferenced threaded network, never disposed,
// must not keep Node running once its work is done.

import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';

it('an unreferenced threaded network does not keep Node running', () => {
  const script = `
    import { Network } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
    const net = await Network.create({
      inputs: 300, layers: [{ units: 200, activation: 'relu' }, { units: 3, activation: 'softmax' }],
      loss: 'categoricalCrossentropy', threads: 2,
    });
    const x = new Float32Array(300 * 64).fill(0.5);
    const y = new Float32Array(3 * 64).map((_, i) => Number(i % 3 === 0));
    await net.fit(x, y, { epochs: 2 });
    console.log(net.threads, net.predict(x).length);
  `;
  const started = Date.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  expect(child.stderr).toBe('');
  expect(child.stdout.trim()).toBe('2 192');
  expect(child.status).toBe(0);
  expect(Date.now() - started).toBeLessThan(10_000);
});
