// `simdnet evaluate <model.json> <csv>`: scores a saved model on a CSV file that holds the target column.

import { readCommand, TABLE_OPTIONS, tableOptions } from './args.js';
import type { Table } from './csv.js';
import { columnIndex, numericColumns, oneHot } from './dataset.js';
import { type ModelFile, predictCsv } from './model-file.js';
import { formatCount } from './progress.js';

export const summary = 'score a saved model on a CSV file with the target column';

export const help = `Usage: simdnet evaluate <model.json> <csv> [options]

Predicts every row of a CSV file that holds the model's feature columns and its
target column, and compares. Classification: accuracy, cross-entropy loss and a
confusion matrix. Regression: mean squared error, its root, mean absolute error
and R², in the target's own units.

Options:
      --json                 print the results as JSON
      --header / --no-header whether the first line names the columns (default: detected)
      --delimiter <char>     field separator (default: guessed from the first line)
  -h, --help                 show this help

Example:
  simdnet evaluate iris-model.json iris-test.csv`;

const OPTIONS = {
  json: { type: 'boolean' },
  ...TABLE_OPTIONS,
} as const;

/** Smallest probability taken in the log of the loss, so a confident mistake costs a finite amount. */
const MIN_PROBABILITY = 1e-7;

function scoreClassification(model: ModelFile, table: Table, outputs: Float32Array) {
  const classes = model.target.classes!;
  const k = classes.length;
  const y = oneHot(table, columnIndex(table, model.target.name, 'the model\'s target'), classes);
  const confusion = classes.map(() => new Array<number>(k).fill(0));
  let correct = 0;
  let loss = 0;
  for (let r = 0; r < table.rows.length; r++) {
    const p = outputs.subarray(r * k, (r + 1) * k);
    const actual = y.subarray(r * k, (r + 1) * k).indexOf(1);
    const predicted = p.indexOf(Math.max(...p));
    confusion[actual]![predicted]!++;
    if (actual === predicted) correct++;
    loss -= Math.log(Math.max(p[actual]!, MIN_PROBABILITY));
  }
  const rows = table.rows.length;
  return { task: 'classification' as const, rows, accuracy: correct / rows, loss: loss / rows, classes, confusion };
}

function scoreRegression(model: ModelFile, table: Table, outputs: Float32Array) {
  const target = columnIndex(table, model.target.name, 'the model\'s target');
  const actual = numericColumns(table, [target], 'the model predicts numbers for this column');
  const rows = actual.length;
  const mean = actual.reduce((s, v) => s + v, 0) / rows;
  let squares = 0;
  let absolute = 0;
  let variance = 0;
  actual.forEach((v, r) => {
    squares += (outputs[r]! - v) ** 2;
    absolute += Math.abs(outputs[r]! - v);
    variance += (v - mean) ** 2;
  });
  const mse = squares / rows;
  const r2 = variance > 0 ? 1 - squares / variance : NaN;
  return { task: 'regression' as const, rows, mse, rmse: Math.sqrt(mse), mae: absolute / rows, r2 };
}

function confusionTable(classes: readonly string[], confusion: readonly number[][]): string {
  const width = Math.max(6, ...classes.map((c) => c.length + 1), ...confusion.flat().map((n) => String(n).length + 1));
  const labelWidth = Math.max('actual \\ predicted'.length, ...classes.map((c) => c.length));
  const lines = [`${'actual \\ predicted'.padEnd(labelWidth)}${classes.map((c) => c.padStart(width)).join('')}`];
  confusion.forEach((row, i) => {
    lines.push(`${classes[i]!.padEnd(labelWidth)}${row.map((n) => String(n).padStart(width)).join('')}`);
  });
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<void> {
  const command = readCommand('evaluate', argv, OPTIONS, help, ['model.json', 'csv']);
  if (!command) return;
  const { values, args: [modelFile, csvFile] } = command;
  const { model, table, outputs } = await predictCsv(modelFile!, csvFile!, tableOptions(values, 'evaluate'));
  const score = model.task === 'classification'
    ? scoreClassification(model, table, outputs)
    : scoreRegression(model, table, outputs);
  if (values.json) {
    console.log(JSON.stringify(score, null, 2));
    return;
  }
  console.log(`${table.file}: ${formatCount(score.rows)} rows, target '${model.target.name}'`);
  if (score.task === 'classification') {
    console.log(`accuracy: ${(score.accuracy * 100).toFixed(2)}%`);
    console.log(`loss (cross-entropy): ${score.loss.toFixed(4)}\n`);
    console.log(confusionTable(score.classes, score.confusion));
  } else {
    const g = (v: number) => Number(v.toPrecision(6));
    console.log(`mean squared error: ${g(score.mse)}\nroot mean squared error: ${g(score.rmse)}`);
    const r2 = Number.isNaN(score.r2) ? 'undefined (the target is constant)' : score.r2.toFixed(4);
    console.log(`mean absolute error: ${g(score.mae)}\nR²: ${r2}`);
  }
}
