// `simdnet predict <model.json> <csv>`: writes the model's predictions for a CSV file's rows as CSV.

import { argmax } from '../index.js';
import { readCommand, TABLE_HELP, TABLE_OPTIONS, tableOptions } from './args.js';
import { type Io, println } from './command.js';
import { formatCsv } from './csv.js';
import { UsageError } from './errors.js';
import { expectWritable, writeText } from './files.js';
import { readInputs, withModel } from './model-file.js';

export const summary = 'write a saved model\'s predictions for a CSV file as CSV';

export const help = `Usage: simdnet predict <model.json> <csv> [options]

Reads the rows of a CSV file, takes the model's feature columns from it (by the
names in its header, or by position if it has no header and just those columns),
standardises them as in training and writes one prediction per row as CSV: the
predicted class, or the predicted value for regression. Other columns, such as
the target, are ignored. A cell that a spreadsheet would run as a formula (text
starting with =, +, -, @) is written with a leading apostrophe, in quotes.

Options:
  -o, --output <file>        write the CSV to a file instead of stdout
  -p, --probabilities        classification: add a column of each class's probability
${TABLE_HELP}
                             (so the output has fewer rows than the input)
  -h, --help                 show this help

Example:
  simdnet predict iris-model.json new-flowers.csv --probabilities -o predictions.csv`;

const COMMAND_LINE = {
  name: 'predict',
  options: { output: { type: 'string', short: 'o' }, probabilities: { type: 'boolean', short: 'p' }, ...TABLE_OPTIONS },
  help,
  positionals: ['model.json', 'csv'],
} as const;

/** Significant digits of the probabilities and values written. */
const DIGITS = 6;

export async function run(argv: string[], io: Io): Promise<void> {
  const command = readCommand(COMMAND_LINE, argv, io);
  if (!command) return;
  const { values, args: [modelFile, csvFile] } = command;
  const options = { ...tableOptions(values, 'predict'), withTarget: false };
  expectWritable(values.output);
  const round = (v: number) => Number(v.toPrecision(DIGITS));
  const csv = await withModel(modelFile!, async (model) => {
    const classes = model.classes;
    if (!classes && values.probabilities) {
      throw new UsageError(`--probabilities: ${modelFile} is a regression model, which predicts values, not classes`, 'predict');
    }
    const { table, note } = await readInputs(model, csvFile!, options);
    const rows = classes && values.probabilities
      ? model.predictProbabilities(table).map((p) => [classes[argmax(p)]!, ...p.map(round)])
      : model.predict(table).map((prediction) => [typeof prediction === 'number' ? round(prediction) : prediction]);
    if (note) println(io.stderr, note);
    const header = [model.target.name, ...(classes && values.probabilities ? classes.map((c) => `p_${c}`) : [])];
    return formatCsv(header, rows);
  });
  writeText(values.output, csv, io.stdout);
}
