// TensorFlow.js out and in, checked against tfjs-layers itself (on tfjs-core's CPU backend):
// what toTFJS gives loads with tf.loadLayersModel and predicts what predict does; a model built
// and trained in TF.js, saved as model.save writes it, reads back predicting the same; the
// configs Keras 2 and Keras 3 write through tensorflowjs_converter read too; round trips keep
// every bit; bad artifacts get a SimdnetError naming the layer or weight at fault.

import '@tensorflow/tfjs-backend-cpu';
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { activationEntry, ACTIVATIONS } from '../src/activations.js';
import { type Loss, LOSSES } from '../src/config.js';
import { fromTFJS, type TFJSModelJSON, type TFJSWeightSpec, toTFJS } from '../src/formats/index.js';
import { Network, SimdnetError } from '../src/index.js';
import { Rng } from '../src/random.js';
import { ACTIVATION_CASES, bytesOf, expectClose, expectRoundTrip, randomRows as rowsOf } from './support/formats.js';
import { expectNamedError, failure } from './support/untouched.js';

beforeAll(async () => {
  await tfc.setBackend('cpu');
});

const rng = Rng.fromSeed(9);
const randomRows = (rows: number, width: number): Float32Array => rowsOf(rng, rows, width);


/** What a tfjs-layers model predicts for flat rows. */
function tfPredict(model: tfl.LayersModel, x: Float32Array, shape: number[]): Float32Array {
  return tfc.tidy(() => (model.predict(tfc.tensor(x, shape)) as tfc.Tensor).dataSync() as Float32Array);
}

/** The artifacts model.save hands a save handler. */
async function saved(model: tfl.LayersModel, includeOptimizer = false): Promise<tfc.io.ModelArtifacts> {
  let artifacts: tfc.io.ModelArtifacts | undefined;
  await model.save(tfc.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }), { includeOptimizer });
  return artifacts!;
}


describe('the activation table', () => {
  it('maps every activation of the library to a Dense activation or a layer', () => {
    for (const activation of ACTIVATIONS) {
      const entry = activationEntry(activation).keras;
      expect(entry, `'${activation}' has no Keras entry`).toBeDefined();
      expect(entry.name !== undefined || entry.layer !== undefined, `'${activation}' is written neither way`).toBe(true);
    }
  });
});

describe('toTFJS', () => {
  it.each(ACTIVATION_CASES)('$name: tf.loadLayersModel reads it and predicts what predict does', async ({ config }) => {
    const net = await Network.create({ ...config, seed: 21 });
    const model = await tfl.loadLayersModel(tfc.io.fromMemory(toTFJS(net)));
    for (const rows of [1, 8]) {
      const x = randomRows(rows, net.inputs);
      expectClose(tfPredict(model, x, [rows, net.inputs]), net.predict(x));
    }
    model.dispose();
    net.dispose();
  });

  it('writes leakyRelu as a LeakyReLU layer after a linear Dense, and no bias weight for a layer without one', async () => {
    const net = await Network.create({
      inputs: 2, layers: [{ units: 3, activation: 'leakyRelu', alpha: 0.1, bias: false }, { units: 1, activation: 'sigmoid' }], loss: 'binaryCrossentropy',
    });
    const { modelTopology, weightSpecs, weightData } = toTFJS(net);
    expect(modelTopology.config.layers.map((l) => [l.class_name, l.config.activation ?? l.config.alpha])).toEqual([
      ['Dense', 'linear'], ['LeakyReLU', 0.1], ['Dense', 'sigmoid'],
    ]);
    expect(weightSpecs.map((w) => [w.name, w.shape])).toEqual([['dense_1/kernel', [2, 3]], ['dense_2/kernel', [3, 1]], ['dense_2/bias', [1]]]);
    expect(weightData.byteLength).toBe((6 + 3 + 1) * 4);
    net.dispose();
  });
});

describe('simdnet → TF.js → simdnet', () => {
  it.each(ACTIVATION_CASES)('$name: the same layers and bit-identical weights', ({ config }) =>
    expectRoundTrip(config, (net) => fromTFJS(toTFJS(net), { loss: config.loss })));

  it('writes dropout as a Dropout layer after the layer (and its activation layer), which tfjs reads and predicts through, and reads its rate back', async () => {
    const net = await Network.create({
      inputs: 3, layers: [{ units: 5, activation: 'leakyRelu', dropout: 0.25 }, { units: 4, activation: 'gelu', dropout: 0.5 }, { units: 2, activation: 'linear' }],
      loss: 'squaredError', seed: 4,
    });
    const artifacts = toTFJS(net);
    expect(artifacts.modelTopology.config.layers.map((l) => [l.class_name, l.config.rate])).toEqual([
      ['Dense', undefined], ['LeakyReLU', undefined], ['Dropout', 0.25], ['Dense', undefined], ['Dropout', 0.5], ['Dense', undefined],
    ]);
    const model = await tfl.loadLayersModel(tfc.io.fromMemory(artifacts));
    const x = randomRows(6, 3);
    expectClose(tfPredict(model, x, [6, 3]), net.predict(x));
    model.dispose();
    const back = await fromTFJS(artifacts);
    expect(back.config.layers.map((l) => l.dropout)).toEqual([0.25, 0.5, undefined]);
    back.dispose();
    net.dispose();
  });
});

describe('a model built and trained in TF.js', () => {
  function trainedModel(): Promise<tfl.Sequential> {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [4], units: 8, activation: 'relu' }),
        tfl.layers.dropout({ rate: 0.2 }),
        tfl.layers.dense({ units: 6 }),
        tfl.layers.leakyReLU({ alpha: 0.25 }),
        tfl.layers.dense({ units: 5, activation: 'tanh', useBias: false }),
        tfl.layers.activation({ activation: 'linear' }),
        tfl.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: tfc.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const x = tfc.tensor(randomRows(32, 4), [32, 4]);
    const y = tfc.oneHot(tfc.tensor1d(Array.from({ length: 32 }, (_, i) => i % 3), 'int32'), 3);
    return model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 }).then(() => model);
  }

  it.each([false, true])('reads back predicting the same (saved with its optimizer: %s)', async (includeOptimizer) => {
    const model = await trainedModel();
    const artifacts = await saved(model, includeOptimizer);
    const net = await fromTFJS(artifacts);
    expect(net.config.layers.map((l) => [l.units, l.activation, l.bias, l.alpha])).toEqual([
      [8, 'relu', true, undefined], [6, 'leakyRelu', true, 0.25], [5, 'tanh', false, undefined], [3, 'softmax', true, undefined],
    ]);
    expect(net.config.loss).toBe('categoricalCrossentropy');
    const x = randomRows(10, 4);
    expectClose(net.predict(x), tfPredict(model, x, [10, 4]));
    net.getWeights().forEach((layer, l) => {
      const kernel = model.layers.filter((m) => m.getClassName() === 'Dense')[l]!.getWeights()[0]!.dataSync() as Float32Array;
      expect(bytesOf(layer.weights)).toEqual(bytesOf(kernel));
    });
    net.dispose();
    model.dispose();
  });

  it('takes the loss saved with the optimizer unless told otherwise', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 1, activation: 'tanh' })] });
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const artifacts = await saved(model, true);
    const fromSaved = await fromTFJS(artifacts);
    expect(fromSaved.config.loss).toBe('binaryCrossentropy');
    const told = await fromTFJS(artifacts, { loss: 'squaredError' });
    expect(told.config.loss).toBe('squaredError');
    const withoutOptimizer = await fromTFJS(await saved(model));
    expect(withoutOptimizer.config.loss).toBe('squaredError');
    const unknown = await fromTFJS({ ...artifacts, trainingConfig: { loss: 'constructor' } });
    expect(unknown.config.loss).toBe('squaredError');
    for (const n of [fromSaved, told, withoutOptimizer, unknown]) n.dispose();
    model.dispose();
  });

  it('reads each Keras loss simdnet has, as Keras and TF.js spell it', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 3, activation: 'softmax' })] });
    const artifacts = await saved(model);
    const names: [string, Loss][] = [
      ['mean_squared_error', 'squaredError'], ['mse', 'squaredError'], ['meanAbsoluteError', 'meanAbsoluteError'],
      ['mae', 'meanAbsoluteError'], ['huber', 'huber'], ['binary_crossentropy', 'binaryCrossentropy'],
      ['categorical_crossentropy', 'categoricalCrossentropy'], ['sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy'],
      ['sparseCategoricalCrossentropy', 'sparseCategoricalCrossentropy'],
    ];
    expect(new Set(names.map(([, loss]) => loss))).toEqual(new Set(LOSSES));
    for (const [name, loss] of names) {
      const net = await fromTFJS({ ...artifacts, trainingConfig: { loss: name } });
      expect(net.config.loss, name).toBe(loss);
      net.dispose();
    }
    model.dispose();
  });
});

// The configs tensorflowjs_converter writes for Keras models, as its model.json files hold them.
const keras3Topology = {
  class_name: 'Sequential',
  config: {
    name: 'sequential', trainable: true,
    dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null },
    layers: [
      { class_name: 'InputLayer', config: { batch_shape: [null, 3], dtype: 'float32', sparse: false, name: 'input_layer' } },
      {
        module: 'keras.layers', class_name: 'Dense', registered_name: null, build_config: { input_shape: [null, 3] },
        config: {
          name: 'dense', trainable: true, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' } },
          units: 4, activation: 'leaky_relu', use_bias: true,
          kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null } },
        },
      },
      {
        module: 'keras.layers', class_name: 'Dense',
        config: { name: 'dense_1', units: 2, activation: { module: 'keras.activations', class_name: 'function', config: 'linear' }, use_bias: true },
      },
      { module: 'keras.layers', class_name: 'ReLU', config: { name: 're_lu', max_value: null, negative_slope: 0.1, threshold: 0 } },
    ],
  },
  keras_version: '3.5.0',
  backend: 'tensorflow',
};
const keras2Topology = {
  model_config: {
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, 2, 3], dtype: 'float32', sparse: false, ragged: false, name: 'flat_in' } },
        { class_name: 'Flatten', config: { name: 'flatten', trainable: true, dtype: 'float32', data_format: 'channels_last' } },
        { class_name: 'Dense', config: { name: 'dense', trainable: true, dtype: 'float32', units: 4, activation: 'sigmoid', use_bias: true } },
        { class_name: 'Dense', config: { name: 'dense_1', trainable: true, dtype: 'float32', units: 2, activation: 'linear', use_bias: true } },
        { class_name: 'Softmax', config: { name: 'softmax', trainable: true, dtype: 'float32', axis: -1 } },
      ],
    },
  },
  keras_version: '2.15.0',
  backend: 'tensorflow',
};
const weightsOf = (specs: [string, number[]][]): { specs: TFJSWeightSpec[]; values: Float32Array[] } => ({
  specs: specs.map(([name, shape]) => ({ name, shape, dtype: 'float32' })),
  values: specs.map(([, shape]) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform() * 2 - 1)),
});
const concatenated = (values: Float32Array[]): Uint8Array => {
  const out = new Float32Array(values.reduce((n, v) => n + v.length, 0));
  let at = 0;
  for (const v of values) {
    out.set(v, at);
    at += v.length;
  }
  return new Uint8Array(out.buffer);
};

describe('converted Keras models (tensorflowjs_converter\'s model.json with its weight files)', () => {
  it('reads a Keras 3 config: InputLayer batch_shape, layer/vars/N weights, leaky_relu, a serialized activation, a ReLU layer with a slope', async () => {
    const { specs, values } = weightsOf([['dense/vars/0', [3, 4]], ['dense/vars/1', [4]], ['dense_1/vars/0', [4, 2]], ['dense_1/vars/1', [2]]]);
    const bytes = concatenated(values);
    // Two shards, as the converter splits large models.
    const modelJSON: TFJSModelJSON = {
      format: 'layers-model', generatedBy: 'keras v3.5.0', convertedBy: 'TensorFlow.js Converter v4.22.0', modelTopology: keras3Topology,
      weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: specs }],
    };
    const net = await fromTFJS({ ...modelJSON, weightData: [bytes.slice(0, 20).buffer, bytes.slice(20)] });
    expect(net.inputs).toBe(3);
    expect(net.config.layers.map((l) => [l.units, l.activation, l.alpha])).toEqual([[4, 'leakyRelu', 0.2], [2, 'leakyRelu', 0.1]]);
    net.getWeights().forEach((layer, l) => {
      expect(bytesOf(layer.weights)).toEqual(bytesOf(values[2 * l]!));
      expect(bytesOf(layer.bias)).toEqual(bytesOf(values[2 * l + 1]!));
    });
    net.dispose();
  });

  it('reads a Keras 2 config: model_config, InputLayer of a 2×3 sample, Flatten, a Softmax layer, weights named kernel:0', async () => {
    const { specs, values } = weightsOf([['dense/kernel:0', [6, 4]], ['dense/bias:0', [4]], ['dense_1/kernel:0', [4, 2]], ['dense_1/bias:0', [2]]]);
    const net = await fromTFJS({ modelTopology: keras2Topology, weightsManifest: [{ weights: specs }], weightData: concatenated(values) });
    expect(net.inputs).toBe(6);
    expect(net.config.layers.map((l) => [l.units, l.activation])).toEqual([[4, 'sigmoid'], [2, 'softmax']]);
    expect(net.config.loss).toBe('categoricalCrossentropy');
    // What tfjs-layers computes for the same topology and weights.
    const tfjsSpecs = specs.map((spec) => ({ ...spec, name: spec.name.replace(':0', '') }));
    const model = await tfl.loadLayersModel(tfc.io.fromMemory({ modelTopology: keras2Topology, weightSpecs: tfjsSpecs, weightData: concatenated(values).buffer as ArrayBuffer }));
    const x = randomRows(5, 6);
    expectClose(net.predict(x), tfPredict(model, x, [5, 2, 3]));
    model.dispose();
    net.dispose();
  });

  it('takes the weights in order, kernel then bias, when their names match no layer', async () => {
    const { specs, values } = weightsOf([['v0', [6, 4]], ['v1', [4]], ['v2', [4, 2]], ['v3', [2]]]);
    const net = await fromTFJS({ modelTopology: keras2Topology, weightSpecs: specs, weightData: concatenated(values) });
    net.getWeights().forEach((layer, l) => {
      expect(bytesOf(layer.weights)).toEqual(bytesOf(values[2 * l]!));
      expect(bytesOf(layer.bias)).toEqual(bytesOf(values[2 * l + 1]!));
    });
    net.dispose();
  });

  it('dequantizes uint8, uint16 and float16 weights as tfjs-core does', async () => {
    const kernel: TFJSWeightSpec = { name: 'dense/kernel', shape: [2, 3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.01, min: -1 } };
    const bias: TFJSWeightSpec = { name: 'dense/bias', shape: [3], dtype: 'float32', quantization: { dtype: 'float16' } };
    const out: TFJSWeightSpec = { name: 'dense_1/kernel', shape: [3, 1], dtype: 'float32', quantization: { dtype: 'uint16', scale: 1e-4, min: -2 } };
    const data = new Uint8Array([0, 17, 100, 200, 255, 3, /* float16 */ 0x00, 0x3c, 0x00, 0xc0, 0x55, 0x35, /* uint16 */ 0x10, 0x27, 0xff, 0xff, 0x00, 0x00]);
    const topology = {
      class_name: 'Sequential',
      config: { layers: [
        { class_name: 'Dense', config: { name: 'dense', units: 3, batch_input_shape: [null, 2] } },
        { class_name: 'Dense', config: { name: 'dense_1', units: 1, use_bias: false } },
      ] },
    };
    const net = await fromTFJS({ modelTopology: topology, weightSpecs: [kernel, bias, out], weightData: data.buffer });
    const expected = tfc.io.decodeWeights(data.buffer, [kernel, bias, out]);
    const [first, second] = net.getWeights();
    expect(bytesOf(first!.weights)).toEqual(bytesOf(expected['dense/kernel']!.dataSync() as Float32Array));
    expect(bytesOf(first!.bias)).toEqual(bytesOf(expected['dense/bias']!.dataSync() as Float32Array));
    expect(bytesOf(second!.weights)).toEqual(bytesOf(expected['dense_1/kernel']!.dataSync() as Float32Array));
    net.dispose();
  });
});

describe('fromTFJS refuses what it cannot read, naming it', () => {
  const dense = (name: string, units: number, extra: Record<string, unknown> = {}) => ({ class_name: 'Dense', config: { name, units, ...extra } });
  const artifacts = (layers: unknown[], specs: [string, number[]][] = [['d/kernel', [2, 3]], ['d/bias', [3]]], bytes?: number) => {
    const { specs: weightSpecs, values } = weightsOf(specs);
    const data = concatenated(values);
    return { modelTopology: { class_name: 'Sequential', config: { layers } }, weightSpecs, weightData: data.slice(0, bytes ?? data.length).buffer };
  };
  const first = dense('d', 3, { batch_input_shape: [null, 2] });

  it.each([
    ['a layer it does not read', artifacts([first, { class_name: 'Conv2D', config: { name: 'conv' } }]), /layer 1 \(Conv2D 'conv'\): the layer is not read; simdnet reads Sequential models of Dense, InputLayer/],
    ['a functional model', { ...artifacts([first]), modelTopology: { class_name: 'Functional', config: {} } }, /the model is a "Functional"; simdnet reads Keras Sequential models/],
    ['an activation the library lacks', artifacts([dense('d', 3, { batch_input_shape: [null, 2], activation: 'mish' })]), /layer 0 \(Dense 'd'\): the activation "mish" is not one simdnet has; it reads 'linear', 'sigmoid'/],
    ['two activations for one layer', artifacts([dense('d', 3, { batch_input_shape: [null, 2], activation: 'relu' }), { class_name: 'Activation', config: { name: 'a', activation: 'tanh' } }]), /layer 1 \(Activation 'a'\): the Dense layer before it already has its activation \('relu'\)/],
    ['a capped ReLU', artifacts([first, { class_name: 'ReLU', config: { max_value: 6 } }]), /layer 1 \(ReLU\): max_value 6: a capped ReLU/],
    ['weight data shorter than the specs', artifacts([first], undefined, 30), /weightSpecs\[1\] \('d\/bias'\): its 3 elements end at byte 36, but weightData holds 30 bytes/],
    ['a kernel of the wrong shape', artifacts([first], [['d/kernel', [3, 3]], ['d/bias', [3]]]), /the kernel of Dense layer 'd' \('d\/kernel'\) takes 3 inputs, but the layer before gives 2/],
    ['huge shapes claimed', { ...artifacts([first]), weightSpecs: [{ name: 'd/kernel', shape: [2, 3], dtype: 'float32' }, { name: 'd/bias', shape: [2 ** 24, 2 ** 24], dtype: 'float32' }] }, /weightSpecs\[1\] \('d\/bias'\): its 281474976710656 elements end at byte/],
    ['a weight of a dtype it does not read', { ...artifacts([first]), weightSpecs: [{ name: 'd/kernel', shape: [2, 3], dtype: 'int32' }, { name: 'd/bias', shape: [3], dtype: 'float32' }] }, /weight 'd\/kernel' has dtype "int32"; simdnet reads float32 weights/],
    ['weights named for no layer and not one per layer', artifacts([first], [['x/kernel', [2, 3]]]), /no weight is named for the kernel of Dense layer 'd'/],
    ['units that are not a count', artifacts([dense('d', 2.5, { batch_input_shape: [null, 2] })]), /layer 0 \(Dense 'd'\): units must be an integer from 1 to 16777216, got 2\.5/],
    ['weight data that is not bytes', { ...artifacts([first]), weightData: 'weights.bin' }, /fromTFJS: weightData must be an ArrayBuffer or a Uint8Array/],
    ['no artifacts at all', null, /fromTFJS: the artifacts must be an object, got null/],
  ])('%s', async (_, input, message) => {
    expectNamedError(await failure(() => fromTFJS(input as never)), message);
  });
});

describe('hostile artifacts', () => {
  it('any value replaced anywhere in the topology or the weight specs gives a network or a SimdnetError', async () => {
    const net = await Network.create({
      inputs: 3, layers: [{ units: 4, activation: 'leakyRelu' }, { units: 2, activation: 'softmax', bias: false }], loss: 'categoricalCrossentropy',
    });
    const valid = toTFJS(net);
    net.dispose();
    const oddValues = fc.constantFrom<unknown>(null, undefined, -1, 0, 1.5, 2 ** 31, 2 ** 53, NaN, 'Dense', 'relu', [], [null, 3], {}, true, '__proto__');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), oddValues), { minLength: 1, maxLength: 3 }), async (replacements) => {
        const artifacts = JSON.parse(JSON.stringify({ ...valid, weightData: undefined })) as Record<string, unknown>;
        for (const [pick, value] of replacements) {
          const slots = slotsOf(artifacts);
          const [holder, key] = slots[pick % slots.length]!;
          (holder as Record<string, unknown>)[key] = value;
        }
        try {
          const back = await fromTFJS({ ...artifacts, weightData: valid.weightData } as never);
          expect(back.predict(new Float32Array(back.inputs)).length).toBe(back.outputs);
          back.dispose();
        } catch (error) {
          expect(error).toBeInstanceOf(SimdnetError);
        }
      }),
      { numRuns: 300, seed: 2 },
    );
  });
});

/** Every [object, key] inside a JSON value, the value itself excluded. */
function slotsOf(value: unknown, out: [unknown, string][] = []): [unknown, string][] {
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      out.push([value, key]);
      slotsOf((value as Record<string, unknown>)[key], out);
    }
  }
  return out;
}
