// The model file that `simdnet train --save` writes and `predict` / `evaluate` read: a saved
// Model (its format is described in src/model/model-json.ts), checked whole by Model.load.

import { type CsvTable, Model } from '../index.js';
import type { TableOptions } from './args.js';
import type { TextStream } from './command.js';
import { readTable } from './csv.js';
import { columnName, completeRows, DroppedRows, nothingLeft } from './dataset.js';
import { readText, writeText } from './files.js';

/** Writes a model file as JSON text. */
export function saveModel(file: string, model: Model, stdout: TextStream): void {
  writeText(file, `${JSON.stringify(model)}\n`, stdout);
}

/** Loads a model file, hands it to `use`, and frees its network afterwards. */
export async function withModel<T>(file: string, use: (model: Model) => T | Promise<T>): Promise<T> {
  const model = await Model.load(readText(file), { source: file });
  try {
    return await use(model);
  } finally {
    model.dispose();
  }
}

/** The rows of a CSV file that a model predicts, and what --drop-missing left out of them. */
export interface Inputs {
  table: CsvTable;
  /** What --drop-missing left out, to print once the predictions are made. */
  note?: string;
}

/**
 * Reads the rows of a CSV file that a model predicts: rows with a missing value in its feature
 * columns (and its target column, withTarget) are dropped or refused as the options say.
 */
export async function readInputs(model: Model, csvFile: string, options: TableOptions & { withTarget: boolean }): Promise<Inputs> {
  const { dropMissing, withTarget } = options;
  const read = await readTable(csvFile, options);
  const columns = model.featureColumns(read);
  const used = withTarget ? [...columns, columnName(read, model.target.name, 'the model\'s target')] : columns;
  const dropped = new DroppedRows();
  const table = completeRows(read, used, dropMissing, dropped);
  if (table.rowCount === 0) throw nothingLeft(csvFile);
  const { note } = dropped;
  return { table, ...(note === undefined ? {} : { note }) };
}
