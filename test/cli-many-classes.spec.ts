// The CLI on models with thousands of classes: nothing may depend on passing every class
// (or every cell of a confusion matrix) as arguments to one call, and what is printed must
// stay readable: no 10,000 × 10,000 matrix, no error line listing every class.

import { describe, expect, it } from 'vitest';
import { cliTestFiles, expectOneLineError, gridClassifier, linearModel, simdnet } from './support/cli.js';

const files = cliTestFiles('simdnet-many-classes-');

describe('simdnet evaluate with 10,000 classes', () => {
  // 10,000 rows, one per class, of which the labels of ten rows are wrong (class i + 1 written for
  // the point of class i), plus three rows of class 5's point labelled c7: the most frequent
  // confusion is c7 taken for c5.
  const grid = gridClassifier(100, 100);
  const model = () => files.write('grid-10000.json', grid.model);
  const csv = () => {
    const rows = grid.classes.map((_, i) => [...grid.point(i), `c${i % 1000 === 0 ? i + 1 : i}`].join(','));
    for (let n = 0; n < 3; n++) rows.push([...grid.point(5), 'c7'].join(','));
    return files.write('grid-10000.csv', `x,y,label\n${rows.join('\n')}\n`);
  };

  it('prints accuracy, loss and the most frequent confusions instead of the whole matrix', () => {
    const { status, stdout, stderr } = simdnet('evaluate', model(), csv());
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toContain('10,003 rows');
    expect(stdout).toContain(`accuracy: ${((9990 / 10003) * 100).toFixed(2)}%`);
    expect(stdout).toMatch(/confusion matrix not shown: 10,000 classes/);
    expect(stdout).toMatch(/^\s*c7\s+c5\s+3$/m);
    expect(stdout.split('\n').length).toBeLessThan(40);
    expect(Math.max(...stdout.split('\n').map((line) => line.length))).toBeLessThan(200);
  });

  it('gives the confusions as a list of cells in JSON', () => {
    const { status, stdout } = simdnet('evaluate', model(), csv(), '--json');
    expect(status).toBe(0);
    const score = JSON.parse(stdout);
    expect(score.classes).toHaveLength(10_000);
    expect(score.confusion).toBeUndefined();
    expect(score.confusionCells).toContainEqual({ actual: 'c7', predicted: 'c5', rows: 3 });
    expect(score.confusionCells.reduce((sum: number, c: { rows: number }) => sum + c.rows, 0)).toBe(10_003);
  });
});

describe('simdnet predict with 200,000 classes', () => {
  const grid = gridClassifier(500, 400);
  const model = () => files.write('grid-200000.json', grid.model);
  const picks = [0, 1, 401, 123_456, 199_999];

  it('predicts the class of every row', () => {
    const csv = files.write('points.csv', `x,y\n${picks.map((i) => grid.point(i).join(',')).join('\n')}\n`);
    const { status, stdout, stderr } = simdnet('predict', model(), csv);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toBe(`label\n${picks.map((i) => `c${i}`).join('\n')}\n`);
  });

  it('names a few of the classes and their count when a row has a class the model does not know', () => {
    const csv = files.write('unknown.csv', 'x,y,label\n0,0,c0\n1,1,rose\n');
    const run = simdnet('evaluate', model(), csv);
    expectOneLineError(run, 1, "line 3 has class 'rose' in column 'label', which the model does not know");
    expect(run.stderr).toContain('200,000 classes');
    expect(run.stderr.length).toBeLessThan(300);
  });
});

describe('simdnet train with many classes', () => {
  it('lists a few of the classes it found, and their count', () => {
    const rows = Array.from({ length: 60 }, (_, i) => `${i},${i % 7},k${i % 30}`);
    const csv = files.write('thirty-classes.csv', `a,b,kind\n${rows.join('\n')}\n`);
    const { status, stdout } = simdnet('train', csv, '-e', '1', '-q');
    expect(status).toBe(0);
    expect(stdout).toMatch(/classification into 30 classes \(k0, k1, k10, k11, k12, k13, k14, k15, k16, k17 and 20 more\)/);
  });
});

describe('simdnet predict with a few classes', () => {
  it('writes probabilities that sum to 1 beside the predicted class', () => {
    const model = files.write('three.json', linearModel({
      features: ['x'], target: { name: 'kind', classes: ['a', 'b', 'c'] }, weights: [-1, 0, 1], biases: [0, 0.5, 0],
    }));
    const csv = files.write('three.csv', 'x\n-3\n0\n3\n');
    const { status, stdout } = simdnet('predict', model, csv, '-p');
    expect(status).toBe(0);
    const [header, ...rows] = stdout.trimEnd().split('\n');
    expect(header).toBe('kind,p_a,p_b,p_c');
    expect(rows.map((row) => row.split(',')[0])).toEqual(['a', 'b', 'c']);
    for (const row of rows) expect(row.split(',').slice(1).map(Number).reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
  });
});
