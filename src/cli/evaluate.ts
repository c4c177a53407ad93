// `simdnet evaluate <model.json> <csv>`: scores a saved model on a CSV file that holds the target column.

import type { ClassificationScore, ConfusionCell } from '../index.js';
import { escaped, formatCount } from '../text.js';
import { readCommand, TABLE_HELP, TABLE_OPTIONS, tableOptions } from './args.js';
import { type Io, println } from './command.js';
import { readInputs, withModel } from './model-file.js';

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

/** The confusion matrix (rows actual, columns predicted) from its cells that are not 0. */
function confusionMatrix(classes: readonly string[], cells: readonly ConfusionCell[]): number[][] {
  const index = new Map(classes.map((label, k) => [label, k]));
  const matrix = Array.from({ length: classes.length }, () => new Array<number>(classes.length).fill(0));
  for (const { actual, predicted, rows } of cells) matrix[index.get(actual)!]![index.get(predicted)!] = rows;
  return matrix;
}

/** The classification score as JSON: the confusion matrix whole when small, else its non-zero cells. */
function classificationJson(score: ClassificationScore) {
  const { confusionCells, ...rest } = score;
  if (score.classes.length <= JSON_MATRIX_CLASSES) return { ...rest, confusion: confusionMatrix(score.classes, confusionCells) };
  return score;
}

/** Lines of a table: the first column aligned left, the others right, two spaces apart. */
function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, j) => (widths[j] = Math.max(widths[j] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  '));
}

function confusionText({ classes, confusionCells }: ClassificationScore): string[] {
  const labels = classes.map(escaped);
  if (classes.length <= PRINTED_MATRIX_CLASSES) {
    const matrix = confusionMatrix(classes, confusionCells);
    return alignColumns([['actual \\ predicted', ...labels], ...matrix.map((row, i) => [labels[i]!, ...row.map(String)])]);
  }
  const confusions = confusionCells.filter((c) => c.actual !== c.predicted).slice(0, PRINTED_CONFUSIONS);
  const intro = `confusion matrix not shown: ${formatCount(classes.length)} classes (it is printed for up to ${PRINTED_MATRIX_CLASSES})`;
  if (confusions.length === 0) return [`${intro}; no row was misclassified`];
  return [
    `${intro}; the most frequent confusions:`,
    ...alignColumns([
      ['actual', 'predicted', 'rows'],
      ...confusions.map((c) => [escaped(c.actual), escaped(c.predicted), formatCount(c.rows)]),
    ]),
  ];
}

export async function run(argv: string[], io: Io): Promise<void> {
  const command = readCommand(COMMAND_LINE, argv, io);
  if (!command) return;
  const { values, args: [modelFile, csvFile] } = command;
  const options = { ...tableOptions(values, 'evaluate'), withTarget: true };
  const { score, file, target } = await withModel(modelFile!, async (model) => {
    const { table, note } = await readInputs(model, csvFile!, options);
    const score = model.evaluate(table);
    if (note) println(io.stderr, note);
    return { score, file: table.source, target: model.target.name };
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
