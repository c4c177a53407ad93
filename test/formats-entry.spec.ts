// The built 'simdnet/formats' entry, ESM and CommonJS: it builds its networks with the main
// entry's Network and throws the main entry's SimdnetError (it loads dist/index rather than
// bundling a copy), it makes Network's format methods work, and the main entry's bundle holds
// none of it.

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
    expect(readFileSync(join(dist, file), 'utf8')).not.toMatch(/onnxToMlp|mlpToTFJS|ProtoReader/);
  }
});

it("Network's format methods say to import 'simdnet/formats' until it is, then give what its functions give", () => {
  const script = `
    import { Network, SimdnetError } from '${dist}index.js';
    const net = await Network.create({ inputs: 2, layers: [{ units: 2, activation: 'tanh' }], loss: 'squaredError', seed: 4 });
    let before;
    try { net.toONNX(); } catch (e) { before = e instanceof SimdnetError && e.message; }
    const { toONNX, toTFJS } = await import('${dist}formats.js');
    const onnx = net.toONNX();
    const copy = await Network.fromONNX(onnx);
    const tfjs = await Network.fromTFJS(net.toTFJS());
    console.log(JSON.stringify({
      before,
      onnx: Buffer.from(onnx).equals(Buffer.from(toONNX(net))),
      tfjs: JSON.stringify(net.toTFJS().modelTopology) === JSON.stringify(toTFJS(net).modelTopology),
      copies: JSON.stringify([copy.getWeights(), tfjs.getWeights()].map((w) => w.map((l) => [...l.weights]))) ===
        JSON.stringify([net.getWeights(), net.getWeights()].map((w) => w.map((l) => [...l.weights]))),
    }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  expect(out.before).toMatch(/^net\.toONNX\(\) needs the model-format converters: import 'simdnet\/formats' once/);
  expect(out).toMatchObject({ onnx: true, tfjs: true, copies: true });
});
