// Model files that are valid JSON but do not hold together: each is refused with one line
// naming the field, and an output that is not a finite number is an error naming the row,
// never a printed NaN.

import { describe, expect, it } from 'vitest';
import { cliTestFiles, expectOneLineError, linearModel, simdnet } from './support/cli.js';

const files = cliTestFiles('simdnet-model-file-');

const classifier = () => linearModel({
  features: ['a', 'b'], target: { name: 'kind', classes: ['x', 'y'] }, weights: [1, -1, 0.5, 0.25], biases: [0, 0],
});
const regressor = () => linearModel({
  features: ['a', 'b'], target: { name: 'size', mean: 10, std: 2 }, weights: [1, -1], biases: [0.5],
});
const DATA = 'a,b,kind,size\n1,2,x,11\n3,4,y,12\n';

type Model = ReturnType<typeof classifier>;
const cases: [string, () => Model, RegExp][] = [
  ['a regression model with classes', () => {
    const m = regressor();
    Object.assign(m.target, { classes: ['x', 'y'] });
    return m;
  }, /target\.classes: a regression model has no classes/],
  ['a classification model with a target mean', () => {
    const m = classifier();
    Object.assign(m.target, { mean: 1, std: 1 });
    return m;
  }, /target\.mean: a classification model has no mean/],
  ['a target mean beyond float32', () => {
    const m = regressor();
    m.target.mean = 1e300;
    return m;
  }, /target\.mean must be a finite float32 number, got 1e\+300/],
  ['a feature std that rounds to 0 in float32', () => {
    const m = classifier();
    m.features[1]!.std = 1e-300;
    return m;
  }, /features\[1\]\.std must be a positive float32 number, got 1e-300/],
  ['the same class twice', () => {
    const m = classifier();
    m.target.classes = ['x', 'x'];
    return m;
  }, /target\.classes\[1\]: 'x' is target\.classes\[0\] too/],
  ['the same feature twice', () => {
    const m = classifier();
    m.features[1]!.name = 'a';
    return m;
  }, /features\[1\]\.name: 'a' is features\[0\]\.name too/],
  ['an unknown field', () => Object.assign(classifier(), { extra: true }), /has an unknown field 'extra'/],
  ['a classifier whose outputs are not probabilities', () => {
    const m = classifier();
    m.network.layers[0]!.activation = 'linear';
    return m;
  }, /network\.layers\[0\]\.activation must be 'softmax' in a classification model/],
  ['a network field of the wrong type', () => {
    const m = classifier();
    (m.network as Record<string, unknown>).layers = {};
    return m;
  }, /network\.layers must be a non-empty array, got an object/],
];

describe('simdnet predict and evaluate refuse an inconsistent model file', () => {
  it.each(cases)('%s', (name, build, message) => {
    const model = files.write(`${name.replaceAll(' ', '-')}.json`, build());
    const csv = files.write('data.csv', DATA);
    for (const command of ['predict', 'evaluate']) {
      const run = simdnet(command, model, csv);
      expectOneLineError(run, 1, message);
      expect(run.stdout).toBe('');
    }
  });
});

describe('an output that is not a finite number is an error naming the row', () => {
  it('weights near the float32 limit overflow on the second row', () => {
    const m = regressor();
    m.network.layers[0]!.weights = [3e38, 3e38];
    const model = files.write('huge-weights.json', m);
    const csv = files.write('overflow.csv', 'a,b,size\n1,-1,10\n1,1,11\n');
    for (const command of ['predict', 'evaluate']) {
      const run = simdnet(command, model, csv);
      expectOneLineError(run, 1, /overflow\.csv: line 3: the model's output is not a finite number/);
      expect(run.stdout).toBe('');
    }
  });

  it('opposite weights at the float32 limit give a classifier no probabilities', () => {
    const m = classifier();
    m.network.layers[0]!.weights = [3e38, -3e38, 3e38, -3e38];
    const model = files.write('opposite-weights.json', m);
    const csv = files.write('classes.csv', 'a,b,kind\n0,0,x\n1,1,y\n');
    for (const command of ['predict', 'evaluate']) {
      expectOneLineError(simdnet(command, model, csv), 1, /classes\.csv: line 3: the model's output is not a finite number/);
    }
  });

  it('a regression target scaled beyond float32', () => {
    const m = regressor();
    m.target = { name: 'size', mean: 0, std: 3e38 };
    const model = files.write('wide-target.json', m);
    const csv = files.write('wide.csv', 'a,b\n0,0\n5,0\n');
    expectOneLineError(simdnet('predict', model, csv), 1, /wide\.csv: line 3: the model's output is not a finite number/);
  });

  it('a value that standardises beyond float32 names its line and column', () => {
    const m = classifier();
    m.features[0]!.std = 1e-30;
    const model = files.write('narrow-feature.json', m);
    const csv = files.write('narrow.csv', 'a,b\n0,0\n1e10,0\n');
    expectOneLineError(simdnet('predict', model, csv), 1, /narrow\.csv: line 3, column 'a': 1e10 standardises to a value beyond float32/);
  });
});

describe('simdnet predict output', () => {
  it('refuses --probabilities for a regression model', () => {
    const model = files.write('regressor.json', regressor());
    const csv = files.write('data.csv', DATA);
    expectOneLineError(simdnet('predict', model, csv, '-p'), 2, '--probabilities');
  });

  it('evaluates a constant target without printing undefined', () => {
    const model = files.write('regressor.json', regressor());
    const csv = files.write('constant.csv', 'a,b,size\n1,2,11\n3,4,11\n');
    const { status, stdout } = simdnet('evaluate', model, csv);
    expect(status).toBe(0);
    expect(stdout).toMatch(/R²: none \(the target is constant\)/);
    expect(stdout).not.toMatch(/undefined|NaN/);
  });
});
