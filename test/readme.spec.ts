// The README's examples run as printed and do what their comments say: the quick start learns
// XOR; the preprocessing example trains iris and saves a model that `simdnet predict` and
// `simdnet evaluate` use.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import * as simdnet from '../src/index.js';
import { Network } from '../src/index.js';
import { simdnetInProcess } from './support/cli.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const examples = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);

it('the README quick-start example learns XOR', async () => {
  const example = examples[0]!;
  expect(example).toMatch(/^import \{ Network \} from 'simdnet';$/m);
  const body = example.replace(/^import .*$/m, '').replace('console.log(', 'return (');
  const run = new Function('Network', `return (async () => {${body}})();`) as (n: typeof Network) => Promise<number[][]>;
  const [[a], [b]] = (await run(Network)) as [[number], [number]];
  expect(a).toBeGreaterThan(0.9);
  expect(b).toBeLessThan(0.1);
});

const work = mkdtempSync(join(tmpdir(), 'simdnet-readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('the README preprocessing example trains iris and saves a model that simdnet predict and evaluate use', async () => {
  const example = examples.find((code) => code.includes('readCsvFile'))!;
  expect(example).toMatch(/^import \{[^}]*\} from 'simdnet';$/m);
  expect(example.split('\n').filter((line) => line.trim() && !line.startsWith('import')).length).toBeLessThanOrEqual(16);
  const body = example
    .replace(/^import \{([^}]*)\} from 'simdnet';$/m, 'const {$1} = library;')
    .replace(/^import \{ writeFile \} from 'node:fs\/promises';$/m, '');
  expect(body, 'the example imports only simdnet and writeFile').not.toMatch(/^import /m);
  const printed: unknown[] = [];
  const saved: string[] = [];
  // The example's file goes to a temporary folder.
  const save = (file: string, text: string) => {
    saved.push(join(work, file));
    return writeFile(join(work, file), text);
  };
  const run = new Function('library', 'writeFile', 'console', `return (async () => {\n${body}\n})();`) as
    (l: typeof simdnet, w: typeof save, c: Pick<Console, 'log'>) => Promise<void>;
  await run(simdnet, save, { log: (value: unknown) => printed.push(value) });

  const [accuracy] = printed as [number];
  expect(accuracy).toBeGreaterThan(0.9);
  expect(example).toContain(`// ${String(accuracy).slice(0, 5)}…`);
  expect(saved).toEqual([join(work, 'iris-model.json')]);

  const model = await simdnet.Model.load(readFileSync(saved[0]!, 'utf8'));
  expect(model.predict([{ sepal_length: 6.1, sepal_width: 2.8, petal_length: 4.7, petal_width: 1.2 }])).toEqual(['versicolor']);
  model.dispose();

  const iris = new URL('../data/iris/iris.csv', import.meta.url).pathname;
  const predicted = await simdnetInProcess('predict', saved[0]!, iris);
  expect(predicted.stderr).toBe('');
  const [header, ...lines] = predicted.stdout.trim().split('\n');
  expect(header).toBe('species');
  const truth = simdnet.parseCsv(readFileSync(iris, 'utf8')).column('species');
  expect(lines.filter((label, r) => label === truth[r]).length / truth.length).toBeGreaterThan(0.9);
  const evaluated = await simdnetInProcess('evaluate', saved[0]!, iris, '--json');
  expect(evaluated.status).toBe(0);
  expect(JSON.parse(evaluated.stdout)).toMatchObject({ task: 'classification', rows: 150, classes: ['setosa', 'versicolor', 'virginica'] });
});
