// Model: a saved model loads in one call and predicts raw rows (objects, arrays, CSV text or
// tables) in the target's terms; a model built from a network and the preprocessing helpers
// saves the same format; and every inconsistency or bad row is an error naming it.

import { describe, expect, it } from 'vitest';
import {
  LabelEncoder, Model, type ModelJSON, Network, NonFiniteOutputError, parseCsv, SimdnetError, StandardScaler,
} from '../src/index.js';
import { linearModel } from './support/cli.js';

// A classifier of kind from (a, b): logits (a − b, −a + b) after a's standardisation (mean 1, std 2).
const classifier = () => linearModel({
  features: ['a', 'b'], target: { name: 'kind', classes: ['x', 'y'] }, weights: [1, -1, -1, 1], biases: [0, 0],
  scaling: [{ mean: 1, std: 2 }, { mean: 0, std: 1 }],
}) as unknown as ModelJSON;
// size = (2·a − b + 0.5) · 4 + 10, a and b as they are.
const regressor = () => linearModel({
  features: ['a', 'b'], target: { name: 'size', mean: 10, std: 4 }, weights: [2, -1], biases: [0.5],
}) as unknown as ModelJSON;

/** Softmax of two logits, in float64. */
const softmax2 = (u: number, v: number) => [Math.exp(u) / (Math.exp(u) + Math.exp(v)), Math.exp(v) / (Math.exp(u) + Math.exp(v))];

describe('a saved model', () => {
  it('loads in one call, from its object or its text, and says what it is', async () => {
    for (const json of [classifier(), JSON.stringify(classifier())]) {
      const model = await Model.load(json);
      expect(model.task).toBe('classification');
      expect(model.features).toEqual(['a', 'b']);
      expect(model.classes).toEqual(['x', 'y']);
      expect(model.target.name).toBe('kind');
      expect(model.scaler.mean).toEqual([1, 0]);
      model.dispose();
      expect(model.network.disposed).toBe(true);
    }
  });

  it('predicts classes and probabilities of raw rows given as objects, arrays, CSV text or a table', async () => {
    const model = await Model.load(classifier());
    const rows = [[5, 1], [-1, 3]];
    // Standardised a: 2 and −1; logits (a' − b, b − a').
    const expected = [softmax2(1, -1), softmax2(-4, 4)];
    const inputs = [
      rows,
      new Float32Array(rows.flat()),
      [{ a: 5, b: 1, kind: 'x' }, { b: '3', a: ' -1 ' }],
      'b,kind,a\n1,x,5\n3,y,-1\n',
      parseCsv('a,b\n5,1\n-1,3\n'),
    ];
    for (const input of inputs) {
      expect(model.predict(input)).toEqual(['x', 'y']);
      model.predictProbabilities(input).forEach((p, r) => p.forEach((v, k) => expect(Math.abs(v - expected[r]![k]!)).toBeLessThan(1e-6)));
    }
    expect(Array.from(model.outputs(rows))).toEqual(model.predictProbabilities(rows).flat());
    model.dispose();
  });

  it('predicts a regression\'s values in the target\'s units', async () => {
    const model = await Model.load(regressor());
    expect(model.predict([[1, 0], [0, 2], [3, 1]])).toEqual([20, 4, 32]);
    expect(() => model.predictProbabilities([[1, 0]])).toThrow('predictProbabilities: this model is a regression');
    model.dispose();
  });

  it('evaluates on rows with their targets: from a CSV column, object keys, or given beside them', async () => {
    const model = await Model.load(classifier());
    const text = 'a,b,kind\n5,1,x\n-1,3,y\n5,1,y\n';
    const score = model.evaluate(text);
    expect(score).toMatchObject({ task: 'classification', rows: 3, accuracy: 2 / 3, classes: ['x', 'y'] });
    expect(score.task === 'classification' && score.confusionCells).toEqual([
      { actual: 'x', predicted: 'x', rows: 1 }, { actual: 'y', predicted: 'x', rows: 1 }, { actual: 'y', predicted: 'y', rows: 1 },
    ]);
    const p = [softmax2(1, -1)[0]!, softmax2(-4, 4)[1]!, softmax2(1, -1)[1]!];
    expect(score.task === 'classification' && score.loss).toBeCloseTo(-p.reduce((s, v) => s + Math.log(v), 0) / 3, 5);
    expect(model.evaluate([[5, 1], [-1, 3], [5, 1]], ['x', 'y', 'y'])).toEqual(score);
    expect(model.evaluate([{ a: 5, b: 1, kind: 'x' }, { a: -1, b: 3, kind: 'y' }, { a: 5, b: 1, kind: 'y' }])).toEqual(score);
    model.dispose();

    const regression = await Model.load(regressor());
    const values = regression.evaluate('a,b,size\n1,0,21\n0,2,2\n');
    // Predictions 20 and 4: errors 1 and 2, around a mean of 11.5.
    expect(values).toEqual({ task: 'regression', rows: 2, mse: 2.5, rmse: Math.sqrt(2.5), mae: 1.5, r2: 1 - 5 / (2 * 9.5 ** 2) });
    regression.dispose();
  });

  it('refuses rows it cannot read, naming the row and column', async () => {
    const model = await Model.load(classifier());
    const refused: [() => unknown, string | RegExp][] = [
      [() => model.predict([{ a: 1 }]), "rows[0] lacks the feature 'b'"],
      [() => model.predict([{ a: 1, b: 2 }, { a: 'NA', b: 2 }]), `rows[1]['a'] must be a finite float32 number (or text that reads as one), got "NA"`],
      [() => model.predict([[1, 2, 3]]), "rows[0] has 3 values, but the model's 2 features is 2"],
      [() => model.predict([[1e39, 2]]), 'rows[0][0] is 1e+39, beyond the float32 range the network computes in'],
      [() => model.predict('a,c\n1,2\n'), 'the CSV text lacks the column b that the model takes as input'],
      [() => model.predict('1,2,3\n'), 'the CSV text has no header line and 3 columns, but the model takes 2 features (a, b); add a header naming them'],
      [() => model.predict(parseCsv('a,b\n1,2\n1,x\n', { source: 'rows.csv' })), "rows.csv: line 3, column 'b' holds 'x', not a number"],
      [() => model.evaluate('a,b,kind\n1,2,x\n1,2,z\n'), "the CSV text: line 3 has class 'z' in column 'kind', which the model does not know; its 2 classes are 'x', 'y'"],
      [() => model.evaluate([[1, 2]], ['w']), "targets[0] has class 'w', which the model does not know"],
      [() => model.evaluate([[1, 2]]), "evaluate needs the targets: give them as its second argument, or give rows that hold the column 'kind'"],
      [() => model.evaluate([[1, 2]], ['x', 'y']), 'evaluate: targets must have one value for each of the 1 rows'],
    ];
    for (const [call, message] of refused) {
      expect(call).toThrow(SimdnetError);
      expect(call).toThrow(message);
    }
    model.dispose();
  });

  it('names the row whose value standardises beyond float32, or whose output is not finite', async () => {
    const narrow = classifier();
    narrow.features[0]!.std = 1e-30;
    const model = await Model.load(narrow);
    expect(() => model.predict('a,b\n0,0\n1e10,0\n')).toThrow("the CSV text: line 3, column 'a': 1e10 standardises to a value beyond float32 (the model's mean 1, std 1e-30)");
    model.dispose();
    const huge = regressor();
    huge.network.layers[0]!.weights = [3e38, 3e38];
    const overflowing = await Model.load(huge);
    const call = () => overflowing.predict([[1, -1], [1, 1]]);
    expect(call).toThrow(NonFiniteOutputError);
    expect(call).toThrow("rows[1]: the model's output is not a finite number");
    overflowing.dispose();
  });

  it('is checked whole when loaded, errors starting with its source', async () => {
    const wrongWidth = classifier();
    wrongWidth.features.pop();
    await expect(Model.load(wrongWidth, { source: 'm.json' })).rejects.toThrow('m.json: the network takes 2 inputs and gives 2 outputs, but the model lists 1 features and 2 outputs');
    const linear = classifier();
    linear.network.layers[0]!.activation = 'linear';
    await expect(Model.load(linear)).rejects.toThrow("Model.load: network.layers[0].activation must be 'softmax' in a classification model");
    const badWeights = classifier();
    badWeights.network.layers[0]!.weights = [1];
    await expect(Model.load(badWeights, { source: 'm.json' })).rejects.toThrow('m.json: network.layers[0].weights has 1 values');
    await expect(Model.load('{', { source: 'm.json' })).rejects.toThrow('m.json is not JSON, so not a saved model');
    await expect(Model.load(classifier().network as never)).rejects.toThrow('read that with Network.fromJSON');
  });
});

describe('Network.fromJSON given a saved model', () => {
  it('says to load it with Model.load instead of refusing a key', async () => {
    const call = Network.fromJSON(classifier() as never);
    await expect(call).rejects.toThrow(SimdnetError);
    await expect(Network.fromJSON(JSON.stringify(classifier()))).rejects.toThrow(
      'fromJSON: this is a saved model (a network with its features and target, as simdnet train --save writes), not a network: load it with Model.load(json)',
    );
  });
});

describe('a model built in JavaScript', () => {
  /** Rows of (u, v, w) and a class by the sign of u + v, and a value 3u − v + 100. */
  const data = Array.from({ length: 64 }, (_, r) => [Math.sin(r) * 5 + 2, Math.cos(r * 1.3) * 3, (r % 7) * 10]);
  const kinds = data.map(([u, v]) => (u! + v! > 2 ? 'up' : 'down'));

  it('saves the format Model.load reads, and predicts the same after the round trip', async () => {
    const scaler = new StandardScaler().fit(data);
    const labels = new LabelEncoder().fit(kinds);
    const network = await Network.create({
      inputs: 3, layers: [{ units: 8, activation: 'tanh' }, { units: 2, activation: 'softmax' }], loss: 'categoricalCrossentropy', seed: 4,
    });
    await network.fit(scaler.transform(data), labels.oneHot(kinds), { epochs: 60, optimizer: { type: 'adam', learningRate: 0.05 } });
    const model = new Model({ network, features: ['u', 'v', 'w'], scaler, target: { name: 'kind', labels }, training: { epochs: 60 } });
    const score = model.evaluate(data, kinds);
    expect(score.task === 'classification' && score.accuracy).toBeGreaterThan(0.9);
    const json = JSON.parse(JSON.stringify(model)) as ModelJSON;
    expect(json).toMatchObject({ format: 'simdnet-model', version: 1, task: 'classification', target: { name: 'kind', classes: ['down', 'up'] } });
    expect(json.features.map((f) => [f.name, f.mean, f.std])).toEqual(['u', 'v', 'w'].map((name, j) => [name, scaler.mean[j], scaler.std[j]]));
    const loaded = await Model.load(json);
    expect(loaded.predictProbabilities(data)).toEqual(model.predictProbabilities(data));
    expect(loaded.toJSON()).toEqual(json);
    loaded.dispose();
    network.dispose();
  });

  it('saves a regression with its target\'s scaling, predicting in the target\'s units', async () => {
    const values = data.map(([u, v]) => [3 * u! - v! + 100]);
    const scaler = new StandardScaler().fit(data);
    const targetScaler = new StandardScaler().fit(values);
    const network = await Network.create({ inputs: 3, layers: [{ units: 1, activation: 'linear' }], loss: 'squaredError', seed: 1 });
    await network.fit(scaler.transform(data), targetScaler.transform(values), { epochs: 300, batchSize: 64, optimizer: { type: 'adam', learningRate: 0.05 } });
    const model = new Model({ network, features: ['u', 'v', 'w'], scaler, target: { name: 'value', scaler: targetScaler } });
    const predicted = model.predict(data) as number[];
    predicted.forEach((p, r) => expect(Math.abs(p - values[r]![0]!)).toBeLessThan(0.05));
    expect(model.toJSON().target).toEqual({ name: 'value', mean: targetScaler.mean[0], std: targetScaler.std[0] });
    network.dispose();
  });

  it('refuses parts that do not fit together', async () => {
    const network = await Network.create({ inputs: 2, layers: [{ units: 2, activation: 'softmax' }], loss: 'categoricalCrossentropy' });
    const labels = new LabelEncoder(['p', 'q']);
    const cases: [() => unknown, string][] = [
      [() => new Model({ network, features: ['a'], target: { name: 't', labels } }), 'new Model: the network takes 2 inputs and gives 2 outputs, but the model lists 1 features'],
      [() => new Model({ network, features: ['a', 'b'], target: { name: 't' } }), 'new Model: the network takes 2 inputs and gives 2 outputs, but the model lists 2 features and 1 outputs'],
      [() => new Model({ network, features: ['a', 'a'], target: { name: 't', labels } }), "new Model: features[1].name: 'a' is features[0].name too"],
      [() => new Model({ network, features: ['a', 'b'], scaler: new StandardScaler(), target: { name: 't', labels } }), 'new Model: scaler must be a fitted StandardScaler'],
      [() => new Model({ network, features: ['a', 'b'], scaler: new StandardScaler().fit([[1]]), target: { name: 't', labels } }), 'new Model: the scaler was fitted on 1 columns, but there are 2 features'],
      [() => new Model({ network, features: ['a', 'b'], target: { name: 't', labels: new LabelEncoder(['NA', 'q']) } }), "new Model: target.classes[0] is 'NA', which reads as a missing value"],
      [() => new Model({ network: {} as Network, features: ['a', 'b'], target: { name: 't', labels } }), 'new Model: network must be a Network, got an object'],
    ];
    for (const [call, message] of cases) {
      expect(call).toThrow(SimdnetError);
      expect(call).toThrow(message);
    }
    network.dispose();
  });
});
