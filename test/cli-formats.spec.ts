// `simdnet export` and `simdnet import` as users run them: the built dist/cli.js in a child
// process, on CSV files made here. An exported model takes raw feature values (its
// standardisation folded into the weights) and computes, in ONNX Runtime and in TF.js, what
// `simdnet predict` prints; importing the export gives a model file that predicts the same.
// Damaged files run in-process (runCli on buffers) and fail in one line.

import '@tensorflow/tfjs-backend-cpu';
import { readdirSync, readFileSync } from 'node:fs';
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeModel } from '../src/formats/onnx/proto.js';
import { Network } from '../src/index.js';
import { Rng } from '../src/random.js';
import { cliTestFiles, expectOneLineError, linearModel, type Run, simdnet, simdnetInProcess } from './support/cli.js';

const files = cliTestFiles('simdnet-cli-formats-');
const tmp = files.path;

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
  files.write(name, `${lines.join('\n')}\n`);
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

beforeAll(async () => {
  ort.env.wasm.numThreads = 1;
  await tfc.setBackend('cpu');
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
    files.write('plain.onnx', toONNX(net));
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
    const { status, stderr } = simdnet('export', files.write('net.json', net.toJSON()), '--format', 'onnx', '-o', tmp('net.onnx'));
    expect([status, stderr]).toEqual([0, `simdnet export: wrote ${tmp('net.onnx')}\n`]);
    const session = await ort.InferenceSession.create(readFileSync(tmp('net.onnx')));
    const { output } = await session.run({ input: new ort.Tensor('float32', new Float32Array([0.5, -1]), [1, 2]) });
    expectAgree(output!.data as Float32Array, net.predict([[0.5, -1]]));
    await session.release();
    net.dispose();
  });
});

describe('help', () => {
  it.each(['export', 'import'])('%s --help prints its usage and exits 0; the command list names it', (command) => {
    const { status, stdout } = simdnet(command, '--help');
    expect(status).toBe(0);
    expect(stdout).toContain(`Usage: simdnet ${command} <model.`);
    expect(simdnet('--help').stdout).toMatch(new RegExp(`^ {2}${command} {5}\\S`, 'm'));
  });
});

describe('errors', () => {
  const conv = () => files.write('conv.onnx', encodeModel({
    irVersion: 7, opsets: [{ domain: '', version: 13 }], producerName: '', producerVersion: '', metadata: [],
    graph: {
      name: 'g', initializers: [], inputs: [{ name: 'x' }], outputs: [{ name: 'y' }],
      nodes: [{ name: 'conv1', opType: 'Conv', domain: '', inputs: ['x'], outputs: ['y'], attributes: [] }],
    },
  }));
  const plain = async (activation: 'softmax' | 'linear') => {
    const net = await Network.create({ inputs: 2, layers: [{ units: 3, activation }], loss: 'squaredError' });
    const { toONNX } = await import('../src/formats/index.js');
    const file = files.write(`plain-${activation}.onnx`, toONNX(net));
    net.dispose();
    return file;
  };

  it.each([
    [['export', 'model.json', '-o', 'x.onnx'], 2, "--format is needed: onnx or tfjs; see 'simdnet export --help'"],
    [['export', 'model.json', '--format', 'pmml', '-o', 'x'], 2, "--format must be one of onnx, tfjs; got 'pmml'"],
    [['export', 'model.json', '--format', 'onnx'], 2, '-o is needed: the .onnx file to write'],
    [['export', 'model.json', '--format', 'tfjs', '-o', '-'], 2, '-o must name the directory to write: export does not write to stdout'],
    [['export', 'model.json', 'extra', '-f', 'onnx', '-o', 'x'], 2, "unexpected argument 'extra'"],
    [['import'], 2, "missing <model.onnx | model.json>; see 'simdnet import --help'"],
    [['import', 'missing.onnx', '--loss', 'hinge'], 2, '--loss must be one of categoricalCrossentropy, binaryCrossentropy, squaredError'],
    [['import', 'missing.onnx'], 1, 'missing.onnx: no such file'],
    [['export', 'missing.json', '-f', 'onnx', '-o', 'x.onnx'], 1, 'missing.json: no such file'],
  ])('simdnet %j exits %i: %s', (args, code, message) => {
    const run = simdnet(...(args as string[]));
    expectOneLineError(run, code as 1 | 2, message);
    expect(run.stdout).toBe('');
  });

  it('an ONNX file it cannot read: the file, the operator and node, exit 1', () => {
    const file = conv();
    expectOneLineError(simdnet('import', file), 1, `simdnet: ${file}: fromONNX: node 'conv1' (Conv): the operator is not supported`);
  });

  it('a model.json whose weight file would be outside its directory', () => {
    const file = files.write('escape.json', { modelTopology: {}, weightsManifest: [{ paths: ['../../etc/passwd'], weights: [] }] });
    expectOneLineError(simdnet('import', file), 1, `${file}: the weight file '../../etc/passwd' is not a file beside it`);
  });

  it.each([
    [['--classes', 'a,b,a'], 2, "--classes names 'a' twice"],
    [['--features', 'u,u'], 2, "--features names 'u' twice"],
    [['--features', 'u,,v'], 2, "--features must be comma-separated names, got 'u,,v'"],
    [['--classes', 'a,b'], 2, '--classes names 2 classes, but the network has 3 outputs'],
    [['--classes', 'NA,b,c'], 1, "the model file made from {file}: target.classes[0] is 'NA', which reads as a missing value"],
  ])('import %j of a softmax network exits %i: %s', async (args, code, message) => {
    const file = await plain('softmax');
    expectOneLineError(simdnet('import', file, ...args), code as 1 | 2, message.replace('{file}', file));
  });

  it('a network without softmax imports only as a regressor of one output', async () => {
    const file = await plain('linear');
    expectOneLineError(simdnet('import', file, '--classes', 'a,b,c'), 2, "--classes: the network's output layer is 'linear', not softmax");
    expectOneLineError(simdnet('import', file), 1, 'the network has 3 outputs and no softmax over them');
  });

  it('export checks a model file as predict does', () => {
    const model = linearModel({ features: ['a', 'b'], target: { name: 'kind', classes: ['x', 'y'] }, weights: [1, -1, 0.5, 0.25], biases: [0, 0] });
    model.network.layers[0]!.activation = 'linear';
    const file = files.write('linear-classifier.json', model);
    expectOneLineError(simdnet('export', file, '-f', 'onnx', '-o', tmp('never.onnx')), 1, "network.layers[0].activation must be 'softmax' in a classification model");
    expect(readdirSync(tmp('.'))).not.toContain('never.onnx');
  });

  it('export refuses standardisation that folds beyond float32', () => {
    const model = linearModel({
      features: ['a', 'b'], target: { name: 'size', mean: 0, std: 1 }, weights: [1e30, 1], biases: [0], scaling: [{ mean: 0, std: 1e-20 }, { mean: 0, std: 1 }],
    });
    const file = files.write('tiny-std.json', model);
    expectOneLineError(simdnet('export', file, '-f', 'onnx', '-o', tmp('never.onnx')), 1, "layer 0's weights or biases are beyond float32");
  });
});

describe('damaged files through import, in-process', () => {
  /** The run failed in one line, or wrote a model file that export (which checks it as predict does) reads. */
  async function expectWellBehaved(run: Run): Promise<void> {
    const context = JSON.stringify(run).slice(0, 2000);
    expect(run.stderr, context).not.toMatch(/unexpected error|\n\s+at /);
    if (run.status !== 0) {
      expect([1, 2], context).toContain(run.status);
      expect(run.stderr, context).toMatch(/^simdnet: [^\n]*\n$/);
      return;
    }
    const model = files.write('fuzz-model.json', run.stdout);
    const exported = await simdnetInProcess('export', model, '-f', 'onnx', '-o', tmp('fuzz-export.onnx'));
    expect([exported.status, exported.stderr.split('\n').at(-2)], context).toEqual([0, `simdnet export: wrote ${tmp('fuzz-export.onnx')}`]);
  }

  let onnx: Uint8Array;
  let tfjs: Record<string, unknown>;
  beforeAll(async () => {
    const { toONNX, toTFJS } = await import('../src/formats/index.js');
    const net = await Network.create({
      inputs: 3, layers: [{ units: 4, activation: 'leakyRelu', alpha: 0.1 }, { units: 2, activation: 'softmax' }], loss: 'categoricalCrossentropy',
    });
    onnx = toONNX(net);
    const { weightSpecs, weightData, ...rest } = toTFJS(net);
    files.write('fuzz-tfjs-weights.bin', new Uint8Array(weightData));
    tfjs = { ...rest, weightsManifest: [{ paths: ['fuzz-tfjs-weights.bin'], weights: weightSpecs }] };
    net.dispose();
  });

  it('ONNX bytes changed or cut short', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat()),
        async (changes, cut) => {
          const bytes = onnx.slice(0, cut === null ? undefined : cut % (onnx.length + 1));
          for (const [at, value] of changes) if (bytes.length > 0) bytes[at % bytes.length] = value;
          await expectWellBehaved(await simdnetInProcess('import', files.write('fuzz.onnx', bytes)));
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });

  it('a TF.js model.json with a value replaced', async () => {
    // Every path to a value in the model.json, to pick one of.
    const paths: (string | number)[][] = [];
    const walk = (value: unknown, path: (string | number)[]) => {
      paths.push(path);
      if (typeof value === 'object' && value !== null) for (const [key, v] of Object.entries(value)) walk(v, [...path, Array.isArray(value) ? Number(key) : key]);
    };
    walk(tfjs, []);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths.slice(1)), fc.jsonValue({ maxDepth: 2 }), async (path, replacement) => {
        const modelJSON = structuredClone(tfjs);
        let parent = modelJSON as Record<string | number, unknown>;
        for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
        parent[path.at(-1)!] = replacement;
        await expectWellBehaved(await simdnetInProcess('import', files.write('fuzz-model.tfjs.json', modelJSON)));
      }),
      { seed: 8, numRuns: 300 },
    );
  });
});
