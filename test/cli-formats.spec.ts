// `simdnet export` and `simdnet import` as users run them: the built dist/cli.js in a child
// process, on CSV files made here. An exported model takes raw feature values (its
// standardisation folded into the weights) and computes, in ONNX Runtime and in TF.js, what
// `simdnet predict` prints; importing the export gives a model file that predicts the same.

import '@tensorflow/tfjs-backend-cpu';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeModel } from '../src/formats/onnx/proto.js';
import { Network } from '../src/index.js';
import { Rng } from '../src/random.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(root, 'dist/cli.js');

let dir = '';
const tmp = (name: string) => join(dir, name);

function simdnet(...args: string[]) {
  const { status, stdout, stderr } = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status, stdout, stderr };
}

/** The rows of a CSV file the tests write: features far from mean 0 and std 1, so standardisation matters. */
function writeCsv(name: string, rows: number, target: (features: number[], r: number) => string | number): { features: number[][] } {
  const rng = Rng.fromSeed(rows);
  const features: number[][] = [];
  const lines = ['width,height,depth,weight,target'];
  for (let r = 0; r < rows; r++) {
    const k = r % 3;
    const row = [5 + k + rng.uniform(), 10 * rng.uniform() + 3 * k, -2 + k / 2 + rng.uniform(), 100 + 20 * k + 10 * rng.uniform()].map((v) => Number(v.toFixed(3)));
    features.push(row);
    lines.push(`${row.join(',')},${target(row, r)}`);
  }
  writeFileSync(tmp(name), `${lines.join('\n')}\n`);
  return { features };
}

/** `simdnet predict`'s numbers, one row per line, the label column dropped for classification. */
function predicted(model: string, csv: string, classification: boolean): number[][] {
  const { status, stdout, stderr } = simdnet('predict', model, csv, ...(classification ? ['--probabilities'] : []));
  expect(stderr).toBe('');
  expect(status).toBe(0);
  return stdout.trimEnd().split('\n').slice(1).map((line) => line.split(',').slice(classification ? 1 : 0).map(Number));
}

/** Asserts the values agree to the 6 significant digits predict prints (half a unit of the 6th: 5e-6 relative) and float32 rounding. */
function expectAgree(actual: ArrayLike<number>, expected: number[][]): void {
  const flat = expected.flat();
  expect(actual.length).toBe(flat.length);
  flat.forEach((e, i) => expect(Math.abs(actual[i]! - e)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(e))));
}

// The CLI under test is the build: it must exist and be newer than its sources.
beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run npm run build (npm install runs it) before these tests');
  const built = statSync(CLI).mtimeMs;
  for (const folder of ['src/cli', 'src/formats', 'src/formats/onnx', 'src/formats/tfjs']) {
    const stale = readdirSync(join(root, folder)).filter((f) => f.endsWith('.ts') && statSync(join(root, folder, f)).mtimeMs > built);
    if (stale.length > 0) throw new Error(`dist/cli.js is older than ${folder}/${stale.join(', ')}: run npm run build`);
  }
  dir = mkdtempSync(join(tmpdir(), 'simdnet-cli-formats-'));
  ort.env.wasm.numThreads = 1;
  await tfc.setBackend('cpu');
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a classifier trained by the CLI', () => {
  const colours = ['red', 'green', 'blue'];
  let x: Float32Array;

  beforeAll(() => {
    const { features } = writeCsv('shapes.csv', 60, (_, r) => colours[r % 3]!);
    x = Float32Array.from(features.flat());
    const trained = simdnet('train', tmp('shapes.csv'), '--layers', '6', '--epochs', '30', '--seed', '2', '--save', tmp('shapes.json'), '--quiet');
    expect(trained.status).toBe(0);
  });

  it('exports to ONNX, which ONNX Runtime runs on raw feature values to the probabilities predict prints', async () => {
    const { status, stderr } = simdnet('export', tmp('shapes.json'), '--format', 'onnx', '-o', tmp('shapes.onnx'));
    expect(status).toBe(0);
    expect(stderr).toContain('the standardisation of the 4 features is folded into the first layer: the exported network takes their raw values');
    const session = await ort.InferenceSession.create(readFileSync(tmp('shapes.onnx')));
    const { output } = await session.run({ input: new ort.Tensor('float32', x, [60, 4]) });
    expectAgree(output!.data as Float32Array, predicted(tmp('shapes.json'), tmp('shapes.csv'), true));
    await session.release();
  });

  it('exports to a TF.js directory, which tfjs-layers runs to the same probabilities', async () => {
    const { status } = simdnet('export', tmp('shapes.json'), '-f', 'tfjs', '-o', tmp('shapes-tfjs'));
    expect(status).toBe(0);
    expect(readdirSync(tmp('shapes-tfjs')).sort()).toEqual(['model.json', 'weights.bin']);
    const modelJSON = JSON.parse(readFileSync(tmp('shapes-tfjs/model.json'), 'utf8'));
    expect(modelJSON.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(modelJSON.userDefinedMetadata.simdnet).toEqual({
      task: 'classification', features: ['width', 'height', 'depth', 'weight'], target: 'target', classes: ['blue', 'green', 'red'],
    });
    const weights = readFileSync(tmp('shapes-tfjs/weights.bin'));
    const model = await tfl.loadLayersModel(tfc.io.fromMemory({
      modelTopology: modelJSON.modelTopology, weightSpecs: modelJSON.weightsManifest[0].weights, weightData: new Uint8Array(weights).buffer,
    }));
    const y = tfc.tidy(() => (model.predict(tfc.tensor(x, [60, 4])) as tfc.Tensor).dataSync());
    expectAgree(y, predicted(tmp('shapes.json'), tmp('shapes.csv'), true));
    model.dispose();
  });

  it.each([['ONNX', 'shapes.onnx'], ['TF.js', 'shapes-tfjs/model.json']])('imports the %s export back into a model file that predicts the same', (_, file) => {
    const out = tmp(`back-${file.replace(/\W/g, '-')}.json`);
    const { status, stderr } = simdnet('import', tmp(file), '-o', out);
    expect(status).toBe(0);
    expect(stderr).toContain('a classifier into 3 classes of 4 features, 2 layers');
    const model = JSON.parse(readFileSync(out, 'utf8'));
    expect(model.features.map((f: { name: string }) => f.name)).toEqual(['width', 'height', 'depth', 'weight']);
    expect(model.target).toEqual({ name: 'target', classes: ['blue', 'green', 'red'] });
    const original = predicted(tmp('shapes.json'), tmp('shapes.csv'), true);
    predicted(out, tmp('shapes.csv'), true).forEach((row, r) => expectAgree(row, [original[r]!]));
  });
});

describe('a regressor trained by the CLI', () => {
  it('exports with the target\'s standardisation folded into the output layer: ONNX Runtime predicts in the target\'s units', async () => {
    const { features } = writeCsv('sizes.csv', 50, ([w, h, d, m]) => (1000 + 3 * w! - 2 * h! + d! + m! / 10).toFixed(3));
    expect(simdnet('train', tmp('sizes.csv'), '--layers', '5', '--epochs', '20', '--save', tmp('sizes.json'), '--quiet').status).toBe(0);
    const { status, stderr } = simdnet('export', tmp('sizes.json'), '--format', 'onnx', '-o', tmp('sizes.onnx'));
    expect(status).toBe(0);
    expect(stderr).toContain('the target\'s standardisation is folded into the output layer: it predicts \'target\' in its own units');
    const session = await ort.InferenceSession.create(readFileSync(tmp('sizes.onnx')));
    const { output } = await session.run({ input: new ort.Tensor('float32', Float32Array.from(features.flat()), [50, 4]) });
    const expected = predicted(tmp('sizes.json'), tmp('sizes.csv'), false);
    expect(Math.abs(expected[0]![0]!)).toBeGreaterThan(100); // in the target's units, not standardised
    expectAgree(output!.data as Float32Array, expected);
    await session.release();
  });
});

describe('a network from elsewhere', () => {
  it('imports an ONNX file without simdnet metadata under the columns given, or default ones', async () => {
    const net = await Network.create({ inputs: 2, layers: [{ units: 3, activation: 'softmax' }], loss: 'categoricalCrossentropy' });
    const { toONNX } = await import('../src/formats/index.js');
    writeFileSync(tmp('plain.onnx'), toONNX(net));
    net.dispose();
    const named = simdnet('import', tmp('plain.onnx'), '--features', 'u,v', '--classes', 'a,b,c', '--target', 'kind');
    expect(named.status).toBe(0);
    const model = JSON.parse(named.stdout);
    expect([model.features.map((f: { name: string }) => f.name), model.target]).toEqual([['u', 'v'], { name: 'kind', classes: ['a', 'b', 'c'] }]);
    const defaults = JSON.parse(simdnet('import', tmp('plain.onnx')).stdout);
    expect([defaults.features.map((f: { name: string }) => f.name), defaults.target]).toEqual([['x1', 'x2'], { name: 'y', classes: ['0', '1', '2'] }]);
  });

  it('exports a network\'s own JSON (net.toJSON()) as it is', async () => {
    const net = await Network.create({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'binaryCrossentropy' });
    writeFileSync(tmp('net.json'), JSON.stringify(net.toJSON()));
    const { status, stderr } = simdnet('export', tmp('net.json'), '--format', 'onnx', '-o', tmp('net.onnx'));
    expect([status, stderr]).toEqual([0, `simdnet export: wrote ${tmp('net.onnx')}\n`]);
    const session = await ort.InferenceSession.create(readFileSync(tmp('net.onnx')));
    const { output } = await session.run({ input: new ort.Tensor('float32', new Float32Array([0.5, -1]), [1, 2]) });
    expectAgree(output!.data as Float32Array, net.predict([[0.5, -1]]));
    await session.release();
    net.dispose();
  });
});

describe('errors', () => {
  it.each([
    [['export', 'model.json', '-o', 'x.onnx'], 2, /--format is needed: onnx or tfjs/],
    [['export', 'model.json', '--format', 'pmml', '-o', 'x'], 2, /--format must be one of onnx, tfjs; got 'pmml'/],
    [['export', 'model.json', '--format', 'onnx'], 2, /-o is needed: the \.onnx file to write/],
    [['import'], 2, /missing <model\.onnx \| model\.json>/],
    [['import', 'missing.onnx'], 1, /missing\.onnx: no such file/],
  ])('simdnet %j exits with %i', (args, code, message) => {
    const { status, stderr } = simdnet(...(args as string[]));
    expect(status).toBe(code);
    expect(stderr).toMatch(message);
  });

  it('an ONNX file it cannot read: the operator and node, exit 1', () => {
    writeFileSync(tmp('conv.onnx'), encodeModel({
      irVersion: 7, opsets: [{ domain: '', version: 13 }], producerName: '', producerVersion: '', metadata: [],
      graph: {
        name: 'g', initializers: [], inputs: [{ name: 'x' }], outputs: [{ name: 'y' }],
        nodes: [{ name: 'conv1', opType: 'Conv', domain: '', inputs: ['x'], outputs: ['y'], attributes: [] }],
      },
    }));
    const { status, stderr } = simdnet('import', tmp('conv.onnx'));
    expect(status).toBe(1);
    expect(stderr).toMatch(/^simdnet: fromONNX: node 'conv1' \(Conv\): the operator is not supported/);
  });

  it('a model.json whose weight file would be outside its directory', () => {
    writeFileSync(tmp('escape.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['../../etc/passwd'], weights: [] }] }));
    const { status, stderr } = simdnet('import', tmp('escape.json'));
    expect(status).toBe(1);
    expect(stderr).toContain('the weight file "../../etc/passwd" is not a file beside it');
  });
});
