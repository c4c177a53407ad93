// The README's "Moving models to and from other frameworks" examples run as printed: each module
// they import is bound to the real one (TensorFlow.js as tfjs-core with tfjs-layers, on the CPU
// backend), and what each prints is compared.

import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-web';
import { beforeAll, expect, it } from 'vitest';
import * as formats from '../src/formats/index.js';
import * as simdnet from '../src/index.js';

const MODULES: Record<string, unknown> = {
  simdnet,
  'simdnet/formats': formats,
  'onnxruntime-web': ort,
  '@tensorflow/tfjs': { ...tfc, ...tfl, layers: tfl.layers, io: tfc.io },
};

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = /^## Moving models to and from other frameworks\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
const examples = [...section.matchAll(/^```js\n([\s\S]*?)^```/gm)].map((m) => m[1]!);

/** Runs an example with its imports bound to MODULES; returns the values of each console.log call. */
async function run(code: string): Promise<unknown[][]> {
  const printed: unknown[][] = [];
  const body = code
    .replace(/^import \* as (\w+) from '([^']+)';.*$/gm, (_, name: string, from: string) => `const ${name} = modules[${JSON.stringify(from)}];`)
    .replace(/^import \{([^}]*)\} from '([^']+)';.*$/gm, (_, names: string, from: string) => `const {${names}} = modules[${JSON.stringify(from)}];`);
  expect(body).not.toMatch(/^import /m);
  for (const from of body.matchAll(/modules\["([^"]+)"\]/g)) expect(MODULES, `the example imports ${from[1]}`).toHaveProperty([from[1]!]);
  const example = new Function('modules', 'console', `return (async () => {\n${body}\n})();`) as
    (m: typeof MODULES, c: Pick<Console, 'log'>) => Promise<void>;
  await example(MODULES, { log: (...values: unknown[]) => printed.push(values) });
  return printed;
}

const flat = (value: unknown): number[] => (ArrayBuffer.isView(value) ? Array.from(value as Float32Array) : (value as number[][]).flat());

function expectSameNumbers(a: unknown, b: unknown): void {
  const [x, y] = [flat(a), flat(b)];
  expect(x.length).toBeGreaterThan(0);
  expect(x.length).toBe(y.length);
  x.forEach((v, i) => expect(Math.abs(v - y[i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(y[i]!))));
}

beforeAll(async () => {
  ort.env.wasm.numThreads = 1;
  await tfc.setBackend('cpu');
});

it('the section has an example out to ONNX Runtime and one in from TF.js', () => {
  expect(examples).toHaveLength(2);
  expect(examples[0]).toContain("import { toONNX } from 'simdnet/formats';");
  expect(examples[1]).toContain("import { fromTFJS } from 'simdnet/formats';");
});

it.each([0, 1])('example %i prints the same numbers from simdnet and from the other framework', async (i) => {
  const printed = await run(examples[i]!);
  expect(printed).toHaveLength(1);
  const [theirs, ours] = i === 0 ? printed[0]! : [printed[0]![1], printed[0]![0]];
  expectSameNumbers(theirs, ours);
});
