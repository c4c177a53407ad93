// The built 'simdnet/formats' entry, ESM and CommonJS: it builds its networks with the main
// entry's Network and throws the main entry's SimdnetError (it loads dist/index rather than
// bundling a copy), and the main entry's bundle holds none of it.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

beforeAll(() => {
  if (!existsSync(join(dist, 'formats.js'))) throw new Error('dist/formats.js is missing: run npm run build first');
});

// Round trips a network through both formats and reports what the classes of the results are.
const probe = (load: string) => `
${load}
const net = await Network.create({ inputs: 2, layers: [{ units: 3, activation: 'relu' }, { units: 1, activation: 'sigmoid' }], loss: 'binaryCrossentropy' });
const onnx = await fromONNX(toONNX(net));
const tfjs = await fromTFJS(toTFJS(net));
let error;
try { await fromONNX(new Uint8Array([0x3a, 0x05])); } catch (e) { error = e; }
console.log(JSON.stringify({
  networks: onnx instanceof Network && tfjs instanceof Network,
  same: JSON.stringify([onnx.predict([[1, -2]]), tfjs.predict([[1, -2]])]) === JSON.stringify([net.predict([[1, -2]]), net.predict([[1, -2]])]),
  error: error instanceof SimdnetError,
}));`;

it.each([
  ['ESM', ['--input-type=module', '-e', probe(`import { Network, SimdnetError } from '${dist}index.js'; import { toONNX, fromONNX, toTFJS, fromTFJS } from '${dist}formats.js';`)]],
  ['CommonJS', ['-e', `(async () => { ${probe(`const { Network, SimdnetError } = require('${dist}index.cjs'); const { toONNX, fromONNX, toTFJS, fromTFJS } = require('${dist}formats.cjs');`)} })()`]],
])('%s: networks and errors are the main entry\'s', (_, args) => {
  const out = execFileSync(process.execPath, args, { encoding: 'utf8' });
  expect(JSON.parse(out)).toEqual({ networks: true, same: true, error: true });
});

it('the main entry and its chunks do not contain the format code', () => {
  const files = readdirSync(dist).filter((f) => /\.c?js$/.test(f) && !/^(formats|cli)\./.test(f));
  expect(files).toContain('index.js');
  for (const file of files) {
    expect(readFileSync(join(dist, file), 'utf8')).not.toMatch(/fromONNX|mlpToTFJS|ProtoReader/);
  }
});
