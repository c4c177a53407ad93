// The README's first example runs as printed and does what its comment says.

import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { Network } from '../src/index.js';

it('the README quick-start example learns XOR', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const example = /```js\n([\s\S]*?)```/.exec(readme)![1]!;
  expect(example).toMatch(/^import \{ Network \} from 'simdnet';$/m);
  const body = example.replace(/^import .*$/m, '').replace('console.log(', 'return (');
  const run = new Function('Network', `return (async () => {${body}})();`) as (n: typeof Network) => Promise<number[][]>;
  const [[a], [b]] = (await run(Network)) as [[number], [number]];
  expect(a).toBeGreaterThan(0.9);
  expect(b).toBeLessThan(0.1);
});
