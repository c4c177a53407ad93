// Property tests of the CLI on generated CSV files, model files and command lines. Every run
// either succeeds with a result that holds together (one prediction per row, a known class or
// a finite number each, probabilities that sum to 1, scores in range) or fails as the README
// promises: exit code 1 or 2 and one line on stderr. Never another exit code, a stack trace,
// or NaN, undefined or Infinity printed on stdout. The generated text cannot spell those words
// (NaN and Infinity as cells are left to cli-data.spec.ts), so an output that holds one can only
// have made it up.
//
// The CLI runs in-process (runCli on buffers); a few generated cases also run as real
// processes, which must answer exactly as the in-process runs do.

import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readTable } from '../src/cli/csv.js';
import { parseCsv, parseCsvNumber } from '../src/index.js';
import { cliTestFiles, linearModel, type Run, simdnet, simdnetInProcess } from './support/cli.js';

const files = cliTestFiles('simdnet-fuzz-');

// ---- what every run must do

const DROP_NOTE = /^simdnet: --drop-missing left out ([\d,]+) of ([\d,]+) rows \(lines? [^)]*\)$/;
const MADE_UP = /\b(?:NaN|undefined|Infinity)\b/;

/** The run succeeded with no stray text, or failed with exit 1 or 2 and one line on stderr. */
function expectWellBehaved(run: Run): void {
  const context = JSON.stringify(run).slice(0, 2000);
  expect(run.stderr, context).not.toMatch(/unexpected error|\n\s+at /);
  if (run.status === 0) {
    expect(run.stderr.split('\n').filter((line) => line !== '' && !DROP_NOTE.test(line)), context).toEqual([]);
    expect(run.stdout, context).not.toMatch(MADE_UP);
  } else {
    expect([1, 2], context).toContain(run.status);
    expect(run.stderr, context).toMatch(/^simdnet: [^\n]*\n$/);
  }
}

/** How many rows --drop-missing left out, from its note (0 without one). */
function droppedRows(run: Run): number {
  const match = run.stderr.split('\n').map((line) => DROP_NOTE.exec(line)).find(Boolean);
  return match ? Number(match[1]!.replaceAll(',', '')) : 0;
}

/** The cell's text as the CLI wrote it, without the apostrophe that keeps a spreadsheet from running it. */
const unescapeFormula = (cell: string) => (/^'(?:\s*[=+\-@]|[\t\r])/.test(cell) ? cell.slice(1) : cell);

interface SavedModel {
  task: 'classification' | 'regression';
  target: { name: string; classes?: string[] };
}

/** predict's output holds one prediction per row it kept: a class of the model, or a finite number. */
async function expectPredictions(run: Run, model: SavedModel, csvFile: string, withProbabilities: boolean): Promise<void> {
  const context = JSON.stringify(run).slice(0, 2000);
  const output = parseCsv(run.stdout, { delimiter: ',', header: true, source: 'output' });
  const [header, rows] = [output.columns, output.rows];
  const classes = model.target.classes;
  expect(unescapeFormula(header![0]!), context).toBe(model.target.name);
  expect(header, context).toHaveLength(1 + (withProbabilities && classes ? classes.length : 0));
  expect(rows, context).toHaveLength((await readTable(csvFile)).rowCount - droppedRows(run));
  for (const [label, ...probabilities] of rows) {
    if (!classes) {
      expect(Number.isFinite(parseCsvNumber(label!)), context).toBe(true);
      continue;
    }
    expect(classes, context).toContain(unescapeFormula(label!));
    if (!withProbabilities) continue;
    const p = probabilities.map((cell) => parseCsvNumber(cell)!);
    for (const v of p) expect(v >= 0 && v <= 1, context).toBe(true);
    expect(p.reduce((s, v) => s + v, 0), context).toBeCloseTo(1, 3);
  }
}

/** evaluate --json's scores are in range and count every row it kept. */
function expectScores(run: Run, model: SavedModel): void {
  const context = JSON.stringify(run).slice(0, 2000);
  const score = JSON.parse(run.stdout);
  expect(score.task, context).toBe(model.task);
  if (model.task === 'classification') {
    expect(score.accuracy >= 0 && score.accuracy <= 1, context).toBe(true);
    expect(Number.isFinite(score.loss) && score.loss >= 0, context).toBe(true);
    expect((score.confusion as number[][]).flat().reduce((s, n) => s + n, 0), context).toBe(score.rows);
  } else {
    for (const error of [score.mse, score.rmse, score.mae]) expect(Number.isFinite(error) && error >= 0, context).toBe(true);
    expect(score.r2 === null || Number.isFinite(score.r2), context).toBe(true);
  }
}

// ---- generated CSV files

/** Text that cannot spell NaN, undefined or Infinity, with the characters CSV and spreadsheets care about. */
const text = fc.string({ unit: fc.constantFrom('a', 'b', 'x', 'y', '=', '+', '-', '@', ' ', '"', ',', ';', '\n', 'é'), minLength: 1, maxLength: 5 });
const decimal = fc.oneof(
  fc.integer({ min: -20, max: 20 }).map(String),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String),
  fc.constantFrom('-3e38', '3e38', '1e-300', '+1.5', '.5', '5.', ' 7 ', '1E3', '-0'),
);
const notDecimal = fc.constantFrom('0x10', '0b11', '0o7', '1_000', '1e', '--1', '١', '1e39', '-1e400');
const missing = fc.constantFrom('', ' ', 'NA', 'na', '?', 'NULL', 'null');

const KINDS = {
  number: decimal,
  integer: fc.integer({ min: 0, max: 3 }).map(String),
  label: fc.constantFrom('a', 'b', 'x=', '-y', '@z', ' a '),
  /** Enough classes that evaluate lists the most frequent confusions instead of the matrix. */
  manyLabels: fc.integer({ min: 0, max: 40 }).map((n) => `k${n}`),
};
type Kind = keyof typeof KINDS;
const nasty = fc.oneof(missing, notDecimal, text);

interface GeneratedCsv {
  names: string[];
  header: boolean;
  rows: string[][];
  delimiter: ',' | ';' | '\t';
  lineEnd: '\n' | '\r\n';
  /** Fields written as they are, without the quotes they may need. */
  raw: boolean;
}

/**
 * A CSV file of numeric features and a last column of any kind, with a few cells now and then
 * replaced by something else (a missing value, a number in another notation, text), and now and
 * then a column name replaced by text.
 */
const csvFile = fc.constantFrom(1, 2, 2, 3, 3, 4).chain((width) => {
  const kinds = fc.tuple(
    ...Array.from({ length: width - 1 }, () => fc.constantFrom<Kind>('number', 'number', 'integer')),
    fc.constantFrom<Kind>('number', 'integer', 'label', 'manyLabels'),
  );
  return kinds.chain((columns) => {
    const row = fc.tuple(...columns.map((kind) => KINDS[kind]));
    return fc.record({
      names: fc.tuple(...['a', 'b', 'c', 't'].slice(4 - width).map((name) => fc.oneof({ weight: 9, arbitrary: fc.constant(name) }, text))),
      header: fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
      rows: fc.oneof(
        { weight: 1, arbitrary: fc.array(row, { maxLength: 1 }) },
        { weight: 6, arbitrary: fc.array(row, { minLength: 2, maxLength: 12 }) },
        { weight: 1, arbitrary: fc.array(row, { minLength: 20, maxLength: 60 }) },
      ),
      replaced: fc.array(fc.tuple(fc.nat(), fc.nat(), nasty), { maxLength: 2 }),
      delimiter: fc.constantFrom<GeneratedCsv['delimiter']>(',', ',', ';', '\t'),
      lineEnd: fc.constantFrom<GeneratedCsv['lineEnd']>('\n', '\r\n'),
      raw: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    });
  }).map(({ replaced, rows, ...csv }): GeneratedCsv => {
    const cells = rows.map((row) => [...row]);
    for (const [r, j, cell] of replaced) if (cells.length > 0) cells[r % cells.length]![j % width] = cell;
    return { ...csv, names: [...csv.names], rows: cells };
  });
});

function csvText({ names, header, rows, delimiter, lineEnd, raw }: GeneratedCsv): string {
  const field = (cell: string) =>
    raw || !(cell.includes(delimiter) || /["\r\n]/.test(cell)) ? cell : `"${cell.replaceAll('"', '""')}"`;
  return [...(header ? [names] : []), ...rows].map((row) => row.map(field).join(delimiter)).join(lineEnd) + lineEnd;
}

/** Now and then a value, mostly undefined. */
const sometimes = <T>(value: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, value);

const trainOptions = fc.record({
  target: sometimes(fc.oneof(fc.integer({ min: -5, max: 4 }).map(String), fc.constantFrom('a', 't'), text)),
  task: sometimes(fc.constantFrom('classification', 'regression')),
  layers: fc.constantFrom('none', '3'),
  epochs: fc.constantFrom('1', '2'),
  batchSize: fc.constantFrom('1', '4', '32'),
  validationSplit: sometimes(fc.constantFrom('0.3', '0.9')),
  dropMissing: fc.boolean(),
  probabilities: fc.boolean(),
});
type TrainOptions = typeof trainOptions extends fc.Arbitrary<infer T> ? T : never;

function trainArgs(csv: string, model: string, o: TrainOptions): string[] {
  return [
    'train', csv, '-q', '--save', model, '-l', o.layers, '-e', o.epochs, '-b', o.batchSize,
    ...(o.target === undefined ? [] : [`--target=${o.target}`]),
    ...(o.task === undefined ? [] : ['--task', o.task]),
    ...(o.validationSplit === undefined ? [] : ['--validation-split', o.validationSplit]),
    ...(o.dropMissing ? ['--drop-missing'] : []),
  ];
}

/** Trains on a generated file, then predicts and evaluates it and a second file with the model. */
async function trainPredictEvaluate(first: GeneratedCsv, second: GeneratedCsv, o: TrainOptions) {
  const csv = files.write('generated.csv', csvText(first));
  const other = files.write('generated-other.csv', csvText({ ...second, names: first.names }));
  const modelFile = files.path('generated.json');
  const train = await simdnetInProcess(...trainArgs(csv, modelFile, o));
  expectWellBehaved(train);
  if (train.status !== 0) return;
  const model = JSON.parse(readFileSync(modelFile, 'utf8')) as SavedModel;
  const drop = o.dropMissing ? ['--drop-missing'] : [];
  for (const file of [csv, other]) {
    const probabilities = o.probabilities && model.task === 'classification';
    const predicted = await simdnetInProcess('predict', modelFile, file, ...drop, ...(probabilities ? ['-p'] : []));
    expectWellBehaved(predicted);
    if (predicted.status === 0) await expectPredictions(predicted, model, file, probabilities);
    const evaluated = await simdnetInProcess('evaluate', modelFile, file, '--json', ...drop);
    expectWellBehaved(evaluated);
    if (evaluated.status === 0) expectScores(evaluated, model);
    const report = await simdnetInProcess('evaluate', modelFile, file, ...drop);
    expectWellBehaved(report);
    expect(report.status).toBe(evaluated.status);
  }
}

describe('generated CSV files through train, predict and evaluate', () => {
  it('succeed with a result that holds together, or fail in one line', async () => {
    await fc.assert(
      fc.asyncProperty(csvFile, csvFile, trainOptions, trainPredictEvaluate),
      { seed: 1, numRuns: 1000 },
    );
  });

  it('a few of them answer the same as real processes', async () => {
    const cases = fc.sample(fc.tuple(csvFile, trainOptions), { seed: 2, numRuns: 4 });
    for (const [n, [generated, o]] of cases.entries()) {
      const csv = files.write(`process-${n}.csv`, csvText(generated));
      const modelFile = files.path(`process-${n}.json`);
      const args = trainArgs(csv, modelFile, o);
      const [real, inProcess] = [simdnet(...args), await simdnetInProcess(...args)];
      expectWellBehaved(real);
      expect({ status: real.status, stderr: real.stderr }).toEqual({ status: inProcess.status, stderr: inProcess.stderr });
      if (!existsSync(modelFile)) continue;
      const predictArgs = ['predict', modelFile, csv, ...(o.dropMissing ? ['--drop-missing'] : [])];
      expect(simdnet(...predictArgs)).toEqual(await simdnetInProcess(...predictArgs));
    }
  });
});

// ---- generated model files

const DATA = 'a,b,kind,size\n1,2,x,11\n3,-4,y,12\n0.5,NA,x,9\n';

const baseModels = [
  linearModel({ features: ['a', 'b'], target: { name: 'kind', classes: ['x', 'y'] }, weights: [1, -1, 0.5, 0.25], biases: [0, 0] }),
  linearModel({ features: ['a', 'b'], target: { name: 'size', mean: 10, std: 2 }, weights: [1, -1], biases: [0.5] }),
];

/** The places in a model file that a mutation may change or remove. */
const PATHS = [
  ['format'], ['version'], ['task'], ['features'], ['features', 0], ['features', 1, 'name'], ['features', 0, 'mean'],
  ['features', 1, 'std'], ['target'], ['target', 'name'], ['target', 'classes'], ['target', 'classes', 1], ['target', 'mean'],
  ['target', 'std'], ['network'], ['network', 'inputs'], ['network', 'loss'], ['network', 'seed'], ['network', 'layers'],
  ['network', 'layers', 0], ['network', 'layers', 0, 'units'], ['network', 'layers', 0, 'activation'],
  ['network', 'layers', 0, 'weights'], ['network', 'layers', 0, 'weights', 1], ['network', 'layers', 0, 'biases'],
  ['network', 'layers', 0, 'biases', 0], ['network', 'layers', 0, 'bias'], ['training'], ['extra'], ['target', 'extra'],
] as const;

const nastyValue = fc.oneof(
  fc.constantFrom(
    null, {}, [], '', 'x', 'a', 'NA', 0, -1, 1, 2, 3, 1.5, 3e38, -3e38, 1e300, -1e300, 1e-300, 1e-45, true,
    ['x', 'x'], ['x', 'y', 'z'], [1, 2], 'softmax', 'linear', 'relu', 'classification', 'regression', 'simdnet', 'simdnet-model',
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

const mutation = fc.record({
  path: fc.constantFrom(...PATHS),
  change: fc.oneof(nastyValue.map((value) => ({ value })), fc.constant({ remove: true as const })),
});

function mutate(model: unknown, { path, change }: { path: readonly (string | number)[]; change: { value?: unknown; remove?: true } }) {
  let parent = model as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    if (typeof parent[key] !== 'object' || parent[key] === null) return;
    parent = parent[key] as Record<string | number, unknown>;
  }
  const key = path.at(-1)!;
  if (change.remove) delete parent[key];
  else parent[key] = change.value;
}

describe('generated model files through predict and evaluate', () => {
  it('are refused in one line naming the problem, or predict a known class or a finite number per row', async () => {
    const csv = files.write('model-fuzz.csv', DATA);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1), fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), async (base, mutations, drop) => {
        const model = structuredClone(baseModels[base]!);
        for (const m of mutations) mutate(model, m);
        const file = files.write('mutated.json', model);
        const dropMissing = drop ? ['--drop-missing'] : [];
        const predicted = await simdnetInProcess('predict', file, csv, ...dropMissing);
        expectWellBehaved(predicted);
        if (predicted.status === 0) await expectPredictions(predicted, model as SavedModel, csv, false);
        const evaluated = await simdnetInProcess('evaluate', file, csv, '--json', ...dropMissing);
        expectWellBehaved(evaluated);
        if (evaluated.status === 0) expectScores(evaluated, model as SavedModel);
      }),
      { seed: 3, numRuns: 1000 },
    );
  });

  it('any text or JSON as a model file fails in one line', async () => {
    const csv = files.write('model-fuzz.csv', DATA);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 60 }), fc.json({ maxDepth: 3 })), async (content) => {
        const file = files.write('text.json', content);
        const run = await simdnetInProcess('predict', file, csv);
        expectWellBehaved(run);
        expect(run.status).toBe(1);
      }),
      { seed: 4, numRuns: 300 },
    );
  });
});

// ---- generated text as CSV, and generated command lines

describe('any text as a CSV file', () => {
  it('trains or fails in one line', async () => {
    const model = files.path('text-model.json');
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.constantFrom('1', '2', '-', '.', 'e', 'x', ',', ';', '\t', '"', '\n', '\r', ' ', 'N', 'A', '\ufeff'), maxLength: 80 }), async (content) => {
        const csv = files.write('text.csv', content);
        expectWellBehaved(await simdnetInProcess('train', csv, '-q', '-e', '1', '-l', 'none', '--save', model));
      }),
      { seed: 5, numRuns: 500 },
    );
  });
});

describe('generated command lines', () => {
  it('run or fail in one line', async () => {
    const data = 'a,b,t\n1,2,x\n2,1,y\n3,3,x\n0,1,y\n';
    const csv = files.write('args.csv', data);
    const model = files.path('args-model.json');
    expect((await simdnetInProcess('train', csv, '-q', '-e', '1', '-s', model)).status).toBe(0);
    const trained = readFileSync(model, 'utf8');
    const values = [
      '0', '1', '2', '-1', '0x10', '1e0', '0.5', 'abc', '', ' ', 'none', '1,1', '2,', 'a', 't', 'x', '=', '--', '-',
      'auto', 'adamw', 'nesterov', 'loss', 'cosine:decaySteps=2', 'plateau:monitor=loss', 'step:every=1,factor=0.5', 'step:',
    ];
    const token = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(csv, model, files.path('no-such.csv'), files.path('out.csv'), files.path('no-dir/out.json')) },
      { weight: 4, arbitrary: fc.constantFrom(...values) },
      {
        weight: 6,
        arbitrary: fc.constantFrom(
          '--target', '-t', '--task', '--drop', '--layers', '-l', '--activation', '--epochs', '-e', '--batch-size', '--optimizer',
          '--learning-rate', '--l2', '--validation-split', '--seed', '--save', '-s', '--header', '--no-header', '--delimiter',
          '--threads', '--weight-decay', '--l1', '--clip-norm', '--clip-value', '--schedule', '--validation', '--early-stopping',
          '--monitor', '--patience', '--min-delta', '--restore-best',
          '--drop-missing', '--output', '-o', '--probabilities', '-p', '--json', '-q', '--quiet', '--bogus', '-z', '--epochs=-1',
          '--target=-1',
        ),
      },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('train', 'predict', 'evaluate', 'frobnicate'), fc.array(token, { maxLength: 7 }), async (command, args) => {
        // A case may have written over the files with --save or --output.
        files.write('args.csv', data);
        files.write('args-model.json', trained);
        // Quietly: a progress bar on stderr is not an error, but would not be one line either.
        const run = await simdnetInProcess(command, ...args, ...(command === 'train' ? ['-q', '-e', '1'] : []));
        expectWellBehaved(run);
      }),
      { seed: 6, numRuns: 800 },
    );
  });
});
