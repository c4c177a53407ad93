// `simdnet predict <model.json> <csv>`: writes the model's predictions for a CSV file's rows as CSV.

import { readCommand, TABLE_OPTIONS, tableOptions } from './args.js';
import { formatCsv } from './csv.js';
import { writeText } from './files.js';
import { predictCsv } from './model-file.js';

export const summary = 'write a saved model\'s predictions for a CSV file as CSV';

export const help = `Usage: simdnet predict <model.json> <csv> [options]

Reads the rows of a CSV file, takes the model's feature columns from it (by the
names in its header, or by position if it has no header and just those columns),
standardises them as in training and writes one prediction per row as CSV: the
predicted class, or the predicted value for regression. Other columns, such as
the target, are ignored.

Options:
  -o, --output <file>        write the CSV to a file instead of stdout
  -p, --probabilities        classification: add a column of each class's probability
      --header / --no-header whether the first line names the columns (default: detected)
      --delimiter <char>     field separator (default: guessed from the first line)
  -h, --help                 show this help

Example:
  simdnet predict iris-model.json new-flowers.csv --probabilities -o predictions.csv`;

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  probabilities: { type: 'boolean', short: 'p' },
  ...TABLE_OPTIONS,
} as const;

/** Significant digits of the probabilities and values written. */
const DIGITS = 6;

export async function run(argv: string[]): Promise<void> {
  const command = readCommand('predict', argv, OPTIONS, help, ['model.json', 'csv']);
  if (!command) return;
  const { values, args: [modelFile, csvFile] } = command;
  const { model, table, outputs } = await predictCsv(modelFile!, csvFile!, tableOptions(values, 'predict'));
  const round = (v: number) => Number(v.toPrecision(DIGITS));
  const classes = model.target.classes;
  if (!classes) {
    writeText(values.output, formatCsv([model.target.name], Array.from(outputs, (v) => [round(v)])));
    return;
  }
  const k = classes.length;
  const header = [model.target.name, ...(values.probabilities ? classes.map((c) => `p_${c}`) : [])];
  const rows = table.rows.map((_, r) => {
    const p = outputs.subarray(r * k, (r + 1) * k);
    const best = p.indexOf(Math.max(...p));
    return [classes[best]!, ...(values.probabilities ? Array.from(p, round) : [])];
  });
  writeText(values.output, formatCsv(header, rows));
}
