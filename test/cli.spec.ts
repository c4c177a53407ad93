// The `simdnet` command as users run it: the built dist/cli.js in a child process,
// on the repository's data/iris/iris.csv (target column species), exit codes checked.
// Also the CSV and task-inference helpers it is made of.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferTask } from '../src/cli/dataset.js';
import { LabelEncoder } from '../src/index.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(root, 'dist/cli.js');
const IRIS = join(root, 'data/iris/iris.csv');
const SPECIES = ['setosa', 'versicolor', 'virginica'];

let dir = '';
const tmp = (name: string) => join(dir, name);

function simdnet(...args: string[]) {
  const { status, stdout, stderr } = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status, stdout, stderr };
}

// The CLI under test is the build: it must exist and be newer than its sources.
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run npm run build (npm install runs it) before these tests');
  const built = statSync(CLI).mtimeMs;
  const stale = readdirSync(join(root, 'src/cli')).filter((f) => statSync(join(root, 'src/cli', f)).mtimeMs > built);
  if (stale.length > 0) throw new Error(`dist/cli.js is older than src/cli/${stale.join(', src/cli/')}: run npm run build`);
  if (!existsSync(IRIS)) throw new Error(`the iris data is missing: ${IRIS}`);
  dir = mkdtempSync(join(tmpdir(), 'simdnet-cli-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('simdnet train / predict / evaluate on iris', () => {
  const model = () => tmp('iris.json');

  it('trains with the target column named, and saves the network with its standardisation', () => {
    const { status, stdout, stderr } = simdnet(
      'train', IRIS, '--target', 'species', '--layers', '16', '--epochs', '200', '--learning-rate', '0.01', '--validation-split', '0.2',
      '--seed', '3', '--save', model(),
    );
    expect(stderr).toMatch(/100% epoch 200\/200/); // stderr is a pipe: plain progress lines
    expect(status).toBe(0);
    expect(stdout).toContain("150 rows, 4 features, target 'species': classification into 3 classes (setosa, versicolor, virginica)");
    expect(stdout).toMatch(/validation \(30 rows\): loss [\d.]+, accuracy [\d.]+%/);
    const saved = JSON.parse(readFileSync(model(), 'utf8'));
    expect(saved.format).toBe('simdnet-model');
    expect(saved.task).toBe('classification');
    expect(saved.features.map((f: { name: string }) => f.name)).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(saved.features[0].mean).toBeCloseTo(5.8433, 3); // the column's mean over all 150 rows
    expect(saved.features[0].std).toBeCloseTo(0.8253, 3); // and its population standard deviation
    expect(saved.target).toEqual({ name: 'species', classes: SPECIES });
    expect(saved.network.layers.map((l: { units: number }) => l.units)).toEqual([16, 3]);
  });

  it('predicts a class per row as CSV, with probabilities on request', () => {
    const { status, stdout } = simdnet('predict', model(), IRIS);
    expect(status).toBe(0);
    const [header, ...rows] = stdout.trimEnd().split('\n');
    expect(header).toBe('species');
    expect(rows).toHaveLength(150);
    const truth = readFileSync(IRIS, 'utf8').trim().split(/\r?\n/).slice(1).map((line) => line.split(',')[4]);
    const correct = rows.filter((label, r) => label === truth[r]).length;
    expect(correct / 150).toBeGreaterThan(0.9);

    const out = tmp('probabilities.csv');
    expect(simdnet('predict', model(), IRIS, '--probabilities', '--output', out).status).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('species,p_setosa,p_versicolor,p_virginica');
    const [label, ...p] = lines[1]!.split(',');
    expect(SPECIES).toContain(label);
    expect(p.map(Number).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });

  it('evaluates: accuracy, loss and a confusion matrix, as text or JSON', () => {
    const text = simdnet('evaluate', model(), IRIS);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/accuracy: [\d.]+%/);
    expect(text.stdout).toMatch(/actual \\ predicted\s+setosa\s+versicolor\s+virginica/);
    const json = simdnet('evaluate', model(), IRIS, '--json');
    expect(json.status).toBe(0);
    const score = JSON.parse(json.stdout);
    expect(score.accuracy).toBeGreaterThan(0.9);
    expect(score.classes).toEqual(SPECIES);
    expect(score.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(150);
  });

  it('takes the target by index (negative from the end) and gives equal models for equal seeds', () => {
    const a = tmp('by-index.json');
    const b = tmp('by-negative-index.json');
    expect(simdnet('train', IRIS, '-t', '4', '-e', '20', '-q', '-s', a).status).toBe(0);
    expect(simdnet('train', IRIS, '--target=-1', '-e', '20', '-q', '-s', b).status).toBe(0);
    const [ja, jb] = [a, b].map((f) => JSON.parse(readFileSync(f, 'utf8')));
    expect(ja.target.name).toBe('species');
    expect(jb.network).toEqual(ja.network);
  });

  it('infers regression for a numeric target, and reports errors in its units', () => {
    const model = tmp('petal-width.json');
    const train = simdnet('train', IRIS, '--target', 'petal_width', '--drop', 'species', '-l', '16,8', '-e', '200', '-q', '-s', model);
    expect(train.status).toBe(0);
    expect(train.stdout).toContain("target 'petal_width': regression");
    const score = JSON.parse(simdnet('evaluate', model, IRIS, '--json').stdout);
    expect(score.task).toBe('regression');
    expect(score.r2).toBeGreaterThan(0.85);
    expect(score.rmse).toBeLessThan(0.35); // petal width spans 0.1 to 2.5 cm
    const predicted = simdnet('predict', model, IRIS).stdout.trimEnd().split('\n');
    expect(predicted[0]).toBe('petal_width');
    expect(Number(predicted[1])).toBeCloseTo(0.2, 0); // within 0.5 of the first flower's 0.2 cm
  });

  it('reads files without a header, naming their columns col0, col1 …', () => {
    const csv = tmp('headerless.csv');
    const features = tmp('headerless-features.csv');
    const rows = readFileSync(IRIS, 'utf8').trim().split(/\r?\n/).slice(1);
    writeFileSync(csv, `${rows.join('\n')}\n`);
    writeFileSync(features, `${rows.map((r) => r.split(',').slice(0, 4).join(',')).join('\n')}\n`);
    const model = tmp('headerless.json');
    const train = simdnet('train', csv, '-e', '50', '-q', '-s', model);
    expect(train.status).toBe(0);
    expect(train.stdout).toContain("target 'col4'");
    const predicted = simdnet('predict', model, features);
    expect(predicted.status).toBe(0);
    expect(predicted.stdout.split('\n')[0]).toBe('col4');
  });
});

describe('simdnet help and errors', () => {
  it.each(['train', 'predict', 'evaluate', 'bench'])('%s --help prints its usage and exits 0', (command) => {
    const { status, stdout } = simdnet(command, '--help');
    expect(status).toBe(0);
    expect(stdout).toContain(`Usage: simdnet ${command}`);
  });

  it('--help and --version at the top level exit 0; no command at all exits 2', () => {
    expect(simdnet('--help').stdout).toContain('Usage: simdnet <command>');
    const version = simdnet('--version');
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    const bare = simdnet();
    expect(bare.status).toBe(2);
    expect(bare.stderr).toBe("simdnet: no command given; the commands are train, predict, evaluate, export, import, demo, bench (see 'simdnet --help')\n");
  });

  it.each([
    [['frobnicate'], 2, "unknown command 'frobnicate'"],
    [['train'], 2, 'missing <csv>'],
    [['train', IRIS, '--bogus'], 2, 'unknown option --bogus'],
    [['train', IRIS, '--epochs'], 2, 'option --epochs needs a value'],
    [['train', IRIS, '--target', '-1'], 2, 'a value that starts with a dash must be written --target=-1'],
    [['train', IRIS, '--epochs', '0'], 2, '--epochs must be an integer from 1'],
    [['train', IRIS, '--optimizer', 'lamb'], 2, '--optimizer must be one of adam, adamw, sgd, momentum, nesterov, rmsprop, adagrad'],
    [['train', IRIS, '--layers', '8,x'], 2, '--layers must be comma-separated unit counts'],
    [['train', 'no-such.csv'], 1, 'no-such.csv: no such file'],
    [['train', IRIS, '--target', 'colour'], 1, "--target 'colour': "],
    [['train', IRIS, '--target', 'species', '--task', 'regression'], 1, "column 'species' holds 'setosa', not a number; regression needs a numeric target"],
    [['predict', 'no-such.json', IRIS], 1, 'no-such.json: no such file'],
    [['predict', IRIS, IRIS], 1, 'is not JSON'],
    [['evaluate', 'no-such.json'], 2, 'missing <csv>'],
  ])('simdnet %j exits %i and says %j', (args, code, message) => {
    const { status, stdout, stderr } = simdnet(...args);
    expect(stderr).toContain(message);
    expect(stderr).toMatch(/^simdnet: /);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(stdout).toBe('');
    expect(status).toBe(code);
  });

  it('names the missing columns when a file does not fit the model', () => {
    const model = tmp('errors.json');
    expect(simdnet('train', IRIS, '-e', '5', '-q', '-s', model).status).toBe(0);
    const csv = tmp('two-columns.csv');
    writeFileSync(csv, 'sepal_length,petal_width\n5.1,0.2\n');
    const { status, stderr } = simdnet('predict', model, csv);
    expect(status).toBe(1);
    expect(stderr).toContain('lacks the columns sepal_width, petal_length that the model takes as input');
    const unknownClass = tmp('unknown-class.csv');
    writeFileSync(unknownClass, 'sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,rose\n');
    const evaluated = simdnet('evaluate', model, unknownClass);
    expect(evaluated.status).toBe(1);
    expect(evaluated.stderr).toContain("line 2 has class 'rose' in column 'species', which the model does not know");
  });
});

describe('task inference', () => {
  it('takes text or a few distinct integers for classes, and other numbers for regression', () => {
    expect(inferTask(['cat', 'dog'])).toBe('classification');
    expect(inferTask(['0', '1', '2', '1'])).toBe('classification');
    expect(inferTask(['0.5', '1', '2'])).toBe('regression');
    expect(inferTask(Array.from({ length: 50 }, (_, i) => String(i)))).toBe('regression');
    expect(new LabelEncoder().fit(['10', '9', '2', '9']).classes).toEqual(['2', '9', '10']);
    expect(new LabelEncoder().fit(['b', 'a', 'c']).classes).toEqual(['a', 'b', 'c']);
  });
});
