// What the CLI reads from CSV cells and writes into them: missing values, which numbers
// count as numbers, values beyond float32, and output cells a spreadsheet would run as
// formulas.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../src/index.js';
import { cliTestFiles, expectOneLineError, linearModel, simdnet } from './support/cli.js';

const files = cliTestFiles('simdnet-data-');

// 40 rows of two features and a target that is their sum (regression) or its sign (classes).
const rows = Array.from({ length: 40 }, (_, i) => [(i % 9) - 4, (i % 5) * 0.5] as const);
const sumTable = (target: (a: number, b: number, i: number) => string) =>
  `a,b,t\n${rows.map(([a, b], i) => `${a},${b},${target(a, b, i)}`).join('\n')}\n`;

describe('missing values', () => {
  it.each(['', ' NA ', 'na', 'NaN', '?', 'NULL', 'null'])('%j in a numeric target is missing, not a class', (token) => {
    const csv = files.write('missing-target.csv', sumTable((a, b, i) => (i === 5 ? token : String(a + b))));
    const run = simdnet('train', csv, '-e', '1', '-q');
    expectOneLineError(run, 1, "missing-target.csv: line 7, column 't' has no value");
    expect(run.stderr).toContain('--drop-missing');
  });

  it('--drop-missing leaves such rows out of training, and says how many', () => {
    const csv = files.write('missing-target.csv', sumTable((a, b, i) => (i === 5 ? 'NA' : i === 9 ? '' : String(a + b))));
    const { status, stdout, stderr } = simdnet('train', csv, '-e', '1', '-q', '--drop-missing');
    expect(status).toBe(0);
    expect(stdout).toContain("38 rows, 2 features, target 't': regression");
    expect(stderr).toBe('simdnet: --drop-missing left out 2 of 40 rows (lines 7, 11)\n');
  });

  it('an empty class label is missing, not a class of its own', () => {
    const csv = files.write('missing-class.csv', sumTable((a, b, i) => (i === 3 ? '' : a + b > 0 ? 'up' : 'down')));
    expectOneLineError(simdnet('train', csv, '-e', '1', '-q'), 1, "missing-class.csv: line 5, column 't' has no value");
    const dropped = simdnet('train', csv, '-e', '1', '-q', '--drop-missing');
    expect(dropped.status).toBe(0);
    expect(dropped.stdout).toContain('classification into 2 classes (down, up)');
  });

  it('a missing feature value is an error in predict and evaluate too, unless its row is dropped', () => {
    const model = files.write('sum.json', linearModel({
      features: ['a', 'b'], target: { name: 't', mean: 0, std: 1 }, weights: [1, 1], biases: [0],
    }));
    const csv = files.write('missing-feature.csv', 'a,b,t\n1,2,3\n?,1,1\n2,2,4\n');
    expectOneLineError(simdnet('predict', model, csv), 1, "missing-feature.csv: line 3, column 'a' has no value");
    expectOneLineError(simdnet('evaluate', model, csv), 1, "missing-feature.csv: line 3, column 'a' has no value");
    const predicted = simdnet('predict', model, csv, '--drop-missing');
    expect(predicted.stdout).toBe('t\n3\n4\n');
    expect(predicted.stderr).toBe('simdnet: --drop-missing left out 1 of 3 rows (line 3)\n');
    const evaluated = simdnet('evaluate', model, csv, '--drop-missing', '--json');
    expect(JSON.parse(evaluated.stdout)).toMatchObject({ rows: 2, mse: 0 });
  });

  it('a missing value in a column the command does not use is no matter', () => {
    const model = files.write('sum.json', linearModel({
      features: ['a', 'b'], target: { name: 't', mean: 0, std: 1 }, weights: [1, 1], biases: [0],
    }));
    const csv = files.write('missing-elsewhere.csv', 'a,b,t,note\n1,2,NA,\n');
    const { status, stdout, stderr } = simdnet('predict', model, csv);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toBe('t\n3\n');
  });

  it('a file whose every row has a missing value leaves nothing to train on', () => {
    const csv = files.write('all-missing.csv', 'a,b,t\n1,NA,1\n2,,2\n');
    expectOneLineError(simdnet('train', csv, '--drop-missing', '-q'), 1, 'every row of');
  });
});

describe('numbers', () => {
  it.each(['0x10', '0b11', '0o7', 'Infinity', '-Infinity', '1_000', '1e', '--1', '1,5'])('%j is not a number', (cell) => {
    const csv = files.write('odd-number.csv', `a,b,t\n1,2,3\n"${cell}",1,2\n2,2,4\n4,1,5\n`);
    expectOneLineError(simdnet('train', csv, '-e', '1', '-q'), 1, `odd-number.csv: line 3, column 'a' holds '${cell}', not a number`);
  });

  it.each(['+1.5', '.5', '5.', '-0', '1e3', '2.5E-2', ' 7 '])('%j is a number', (cell) => {
    const csv = files.write('number.csv', `a,b,t\n1,2,3\n"${cell}",1,2\n2,2,4\n4,1,5\n`);
    const { status, stdout } = simdnet('train', csv, '-e', '1', '-q', '--task', 'regression');
    expect(status).toBe(0);
    expect(stdout).toContain('4 rows, 2 features');
  });

  it('a value beyond float32 names its line and column', () => {
    const csv = files.write('beyond.csv', 'a,b,t\n1,2,3\n2,1e39,2\n2,2,4\n');
    expectOneLineError(simdnet('train', csv, '-e', '1', '-q'), 1, "beyond.csv: line 3, column 'b' holds 1e39, beyond the float32 range");
  });

  it('option values are plain decimal numbers too', () => {
    const csv = files.write('small.csv', 'a,t\n1,2\n2,3\n');
    expectOneLineError(simdnet('train', csv, '--epochs', '0x10'), 2, "--epochs must be an integer from 1 to 1000000000, got '0x10'");
    expectOneLineError(simdnet('train', csv, '--layers', '0x10'), 2, '--layers must be comma-separated unit counts');
  });
});

describe('cells a spreadsheet would run as formulas', () => {
  const classes = ['=1+2', '@SUM(A1)', '+x', '-1', 'plain', '-y'];
  const model = () => files.write('formulas.json', linearModel({
    // Class k has the logit 2k·x − k², the largest of all where x = k.
    features: ['x'], target: { name: '=target', classes },
    weights: classes.map((_, k) => 2 * k), biases: classes.map((_, k) => -k * k),
  }));

  it('are quoted with a leading apostrophe; class labels that are plain numbers are not', () => {
    const csv = files.write('formula-rows.csv', `x\n${classes.map((_, k) => k).join('\n')}\n`);
    const { status, stdout } = simdnet('predict', model(), csv);
    expect(status).toBe(0);
    expect(stdout).toBe(`"'=target"\n"'=1+2"\n"'@SUM(A1)"\n"'+x"\n-1\nplain\n"'-y"\n`);
  });

  it('a negative predicted value stays a number', () => {
    const regression = files.write('negative.json', linearModel({
      features: ['x'], target: { name: 'y', mean: 0, std: 1 }, weights: [1], biases: [-1.5],
    }));
    const csv = files.write('zeros.csv', 'x\n0\n-1\n');
    const out = files.path('negative.csv');
    expect(simdnet('predict', regression, csv, '-o', out).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('y\n-1.5\n-2.5\n');
  });
});

describe('empty text', () => {
  it('is written quoted, so that a target without a name does not leave the header line blank', () => {
    const model = files.write('unnamed.json', linearModel({
      features: ['x'], target: { name: '', classes: ['a', 'b'] }, weights: [-1, 1], biases: [0, 0],
    }));
    const { status, stdout } = simdnet('predict', model, files.write('signs.csv', 'x\n-1\n1\n'));
    expect(status).toBe(0);
    expect(stdout).toBe('""\na\nb\n');
  });

  it('quoted on a line of its own is a record, not a blank line', () => {
    expect(parseCsv('t\n""\n\nx\n""', { delimiter: ',' })).toMatchObject({ rows: [['t'], [''], ['x'], ['']], lines: [1, 2, 4, 5] });
  });
});

describe('cells that span lines', () => {
  it('are shown escaped, so the error is still one line', () => {
    const csv = files.write('multiline.csv', 'a,t\n1,2\n"3\n4",5\n');
    expectOneLineError(simdnet('train', csv, '-e', '1', '-q'), 1, String.raw`line 3, column 'a' holds '3\n4', not a number`);
  });
});
