// `simdnet evaluate <model.json> <csv>`: scores a saved model on a CSV file that holds the target column.

import { readCommand, TABLE_HELP, TABLE_OPTIONS, tableOptions } from './args.js';
import { type Io, println } from './command.js';
import { classIndices, numericColumns } from './dataset.js';
import { bestClass, forEachPrediction, type Inputs, type LoadedModel, readInputs, withModel } from './model-file.js';
import { formatCount } from './progress.js';
import { escaped } from './text.js';

export const summary = 'score a saved model on a CSV file with the target column';

/** The confusion matrix is printed in full for up to this many classes; beyond, the most frequent confusions. */
const PRINTED_MATRIX_CLASSES = 20;
/** How many of the most frequent confusions are printed instead of a larger matrix. */
const PRINTED_CONFUSIONS = 10;
/** The JSON holds the whole confusion matrix for up to this many classes (10,000 cells); beyond, its non-zero cells. */
const JSON_MATRIX_CLASSES = 100;

export const help = `Usage: simdnet evaluate <model.json> <csv> [options]

Predicts every row of a CSV file that holds the model's feature columns and its
target column, and compares. Classification: accuracy, cross-entropy loss and a
confusion matrix (beyond ${PRINTED_MATRIX_CLASSES} classes, the ${PRINTED_CONFUSIONS} most frequent confusions instead).
Regression: mean squared error, its root, mean absolute error and R², in the
target's own units.

Options:
      --json                 print the results as JSON: "confusion" is the matrix (rows
                             actual, columns predicted) for up to ${JSON_MATRIX_CLASSES} classes;
                             beyond, "confusionCells" lists its non-zero cells
${TABLE_HELP}
  -h, --help                 show this help

Example:
  simdnet evaluate iris-model.json iris-test.csv`;

const COMMAND_LINE = {
  name: 'evaluate',
  options: { json: { type: 'boolean' }, ...TABLE_OPTIONS },
  help,
  positionals: ['model.json', 'csv'],
} as const;

/** Smallest probability taken in the log of the loss, so a confident mistake costs a finite amount. */
const MIN_PROBABILITY = 1e-7;

/** A cell of a confusion matrix: how many rows of class `actual` were predicted as `predicted`. */
interface ConfusionCell {
  actual: number;
  predicted: number;
  rows: number;
}

function scoreClassification(loaded: LoadedModel, inputs: Inputs) {
  const classes = loaded.model.target.classes!;
  const k = classes.length;
  const actual = classIndices(inputs.table, inputs.targetColumn!, classes);
  // Counted sparsely: a model of many classes has far more cells than rows.
  const counts = new Map<number, number>();
  let correct = 0;
  let loss = 0;
  forEachPrediction(loaded, inputs, (p, r) => {
    const a = actual[r]!;
    const predicted = bestClass(p);
    counts.set(a * k + predicted, (counts.get(a * k + predicted) ?? 0) + 1);
    if (a === predicted) correct++;
    loss -= Math.log(Math.max(p[a]!, MIN_PROBABILITY));
  });
  const cells: ConfusionCell[] = Array.from(counts, ([cell, rows]) => ({ actual: Math.floor(cell / k), predicted: cell % k, rows }))
    .sort((x, y) => y.rows - x.rows || x.actual - y.actual || x.predicted - y.predicted);
  const rows = actual.length;
  return { task: 'classification' as const, rows, accuracy: correct / rows, loss: loss / rows, classes, cells };
}

function scoreRegression(loaded: LoadedModel, inputs: Inputs) {
  const actual = numericColumns(inputs.table, [inputs.targetColumn!], 'the model predicts numbers for this column');
  const rows = actual.length;
  const mean = actual.reduce((s, v) => s + v, 0) / rows;
  let squares = 0;
  let absolute = 0;
  let variance = 0;
  forEachPrediction(loaded, inputs, ([predicted], r) => {
    const v = actual[r]!;
    squares += (predicted! - v) ** 2;
    absolute += Math.abs(predicted! - v);
    variance += (v - mean) ** 2;
  });
  const mse = squares / rows;
  // R² is undefined for a constant target; JSON writes it as null.
  const r2 = variance > 0 ? 1 - squares / variance : NaN;
  return { task: 'regression' as const, rows, mse, rmse: Math.sqrt(mse), mae: absolute / rows, r2 };
}

type Classification = ReturnType<typeof scoreClassification>;

function confusionMatrix(k: number, cells: readonly ConfusionCell[]): number[][] {
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const { actual, predicted, rows } of cells) matrix[actual]![predicted] = rows;
  return matrix;
}

/** The classification score as JSON: the confusion matrix whole when small, else its non-zero cells. */
function classificationJson({ cells, ...score }: Classification) {
  const { classes } = score;
  if (classes.length <= JSON_MATRIX_CLASSES) return { ...score, confusion: confusionMatrix(classes.length, cells) };
  return {
    ...score,
    confusionCells: cells.map((c) => ({ actual: classes[c.actual], predicted: classes[c.predicted], rows: c.rows })),
  };
}

/** Lines of a table: the first column aligned left, the others right, two spaces apart. */
function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, j) => (widths[j] = Math.max(widths[j] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  '));
}

function confusionText({ classes, cells }: Classification): string[] {
  const labels = classes.map(escaped);
  if (classes.length <= PRINTED_MATRIX_CLASSES) {
    const matrix = confusionMatrix(classes.length, cells);
    return alignColumns([['actual \\ predicted', ...labels], ...matrix.map((row, i) => [labels[i]!, ...row.map(String)])]);
  }
  const confusions = cells.filter((c) => c.actual !== c.predicted).slice(0, PRINTED_CONFUSIONS);
  const intro = `confusion matrix not shown: ${formatCount(classes.length)} classes (it is printed for up to ${PRINTED_MATRIX_CLASSES})`;
  if (confusions.length === 0) return [`${intro}; no row was misclassified`];
  return [
    `${intro}; the most frequent confusions:`,
    ...alignColumns([
      ['actual', 'predicted', 'rows'],
      ...confusions.map((c) => [labels[c.actual]!, labels[c.predicted]!, formatCount(c.rows)]),
    ]),
  ];
}

export async function run(argv: string[], io: Io): Promise<void> {
  const command = readCommand(COMMAND_LINE, argv, io);
  if (!command) return;
  const { values, args: [modelFile, csvFile] } = command;
  const options = { ...tableOptions(values, 'evaluate'), withTarget: true };
  const { score, file, target } = await withModel(modelFile!, (loaded) => {
    const inputs = readInputs(loaded, csvFile!, options);
    const score = loaded.model.task === 'classification' ? scoreClassification(loaded, inputs) : scoreRegression(loaded, inputs);
    if (inputs.note) println(io.stderr, inputs.note);
    return { score, file: inputs.table.file, target: loaded.model.target.name };
  });
  const say = (line = '') => println(io.stdout, line);
  if (values.json) {
    say(JSON.stringify(score.task === 'classification' ? classificationJson(score) : score, null, 2));
    return;
  }
  say(`${file}: ${formatCount(score.rows)} rows, target '${escaped(target)}'`);
  if (score.task === 'classification') {
    say(`accuracy: ${(score.accuracy * 100).toFixed(2)}%`);
    say(`loss (cross-entropy): ${score.loss.toFixed(4)}`);
    say();
    for (const line of confusionText(score)) say(line);
  } else {
    const g = (v: number) => Number(v.toPrecision(6));
    say(`mean squared error: ${g(score.mse)}`);
    say(`root mean squared error: ${g(score.rmse)}`);
    say(`mean absolute error: ${g(score.mae)}`);
    say(`R²: ${Number.isNaN(score.r2) ? 'none (the target is constant)' : score.r2.toFixed(4)}`);
  }
}
