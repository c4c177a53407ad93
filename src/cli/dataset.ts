// From a CSV table to what a network takes: the target column found by name or
// index, feature columns as numbers, classification or regression inferred,
// and class labels encoded one-hot.

import { isMissing, isNumber, parseDecimal, type Table } from './csv.js';
import { CliError } from './errors.js';
import { formatCount } from './progress.js';
import { quoted, someOf } from './text.js';

export type Task = 'classification' | 'regression';
export const TASKS: readonly Task[] = ['classification', 'regression'];

/** A numeric target with at most this many distinct integer values is taken for class labels. */
const MAX_INFERRED_CLASSES = 20;

/** The column a --target (or --drop) value names: a column name first, else a 0-based index (negative from the end). */
export function columnIndex(table: Table, spec: string, option: string): number {
  const byName = table.names.indexOf(spec.trim());
  if (byName >= 0) return byName;
  const n = table.names.length;
  if (/^-?\d+$/.test(spec.trim())) {
    const index = Number(spec);
    if (index >= -n && index < n) return index < 0 ? n + index : index;
    throw new CliError(`${option} ${spec.trim()}: ${table.file} has ${n} columns, numbered 0 to ${n - 1} (or -1 for the last)`);
  }
  throw new CliError(`${option} ${quoted(spec)}: ${table.file} has no such column; its columns are ${someOf(table.names.map(quoted))}`);
}

/**
 * The table without the rows that lack a value (see isMissing) in any of the given columns,
 * when dropping them is asked for, with a note saying so for the command to print once its
 * work goes ahead; otherwise the first such cell is an error naming its line and column.
 */
export function completeRows(table: Table, columns: readonly number[], dropMissing: boolean): { table: Table; note?: string } {
  const complete: number[] = [];
  table.rows.forEach((row, r) => {
    const missing = columns.find((column) => isMissing(row[column]!));
    if (missing === undefined) {
      complete.push(r);
    } else if (!dropMissing) {
      const cell = row[missing]!.trim();
      throw new CliError(
        `${table.file}: line ${table.lines[r]}, column ${quoted(table.names[missing]!)} has no value${cell ? ` (${quoted(cell)})` : ''}; ` +
          'add --drop-missing to leave out rows with missing values',
      );
    }
  });
  if (complete.length === table.rows.length) return { table };
  if (complete.length === 0) throw new CliError(`every row of ${table.file} has a missing value, so --drop-missing left none`);
  const kept = new Set(complete);
  const dropped = table.lines.filter((_, r) => !kept.has(r));
  const lines = dropped.length === 1 ? 'line' : 'lines';
  return {
    table: { ...table, rows: complete.map((r) => table.rows[r]!), lines: complete.map((r) => table.lines[r]!) },
    note: `simdnet: --drop-missing left out ${formatCount(dropped.length)} of ${formatCount(table.rows.length)} rows ` +
      `(${lines} ${someOf(dropped.map(String))})`,
  };
}

/**
 * The given columns of every row as numbers, row-major; a cell that is not a plain decimal
 * number, or is beyond the range of float32, is an error naming it, followed by the advice given.
 */
export function numericColumns(
  table: Table,
  columns: readonly number[],
  advice = 'feature columns must be numeric (leave a column out with --drop)',
): Float32Array {
  const width = columns.length;
  const x = new Float32Array(table.rows.length * width);
  table.rows.forEach((row, r) => {
    columns.forEach((column, j) => {
      const cell = row[column]!;
      const value = parseDecimal(cell);
      const where = `${table.file}: line ${table.lines[r]}, column ${quoted(table.names[column]!)}`;
      if (value === undefined) throw new CliError(`${where} holds ${quoted(cell.trim())}, not a number; ${advice}`);
      x[r * width + j] = value;
      if (!Number.isFinite(x[r * width + j]!)) {
        throw new CliError(`${where} holds ${cell.trim()}, beyond the float32 range (about ±3.4e38) the network computes in`);
      }
    });
  });
  return x;
}

/** Classification when a target has text, or only a few distinct integers; regression otherwise. */
export function inferTask(cells: readonly string[]): Task {
  if (!cells.every(isNumber)) return 'classification';
  if (!cells.every((c) => Number.isInteger(Number(c)))) return 'regression';
  return new Set(cells.map(Number)).size <= MAX_INFERRED_CLASSES ? 'classification' : 'regression';
}

/** The distinct labels of a target column, in numeric order if all are numbers, else in text order. */
export function classesOf(cells: readonly string[]): string[] {
  const labels = [...new Set(cells.map((c) => c.trim()))];
  return labels.every(isNumber) ? labels.sort((a, b) => Number(a) - Number(b)) : labels.sort();
}

/** Each row's class in a target column, as an index into classes; a label outside classes is an error naming its line. */
export function classIndices(table: Table, column: number, classes: readonly string[]): Int32Array {
  const index = new Map(classes.map((label, k) => [label, k]));
  return Int32Array.from(table.rows, (row, r) => {
    const label = row[column]!.trim();
    const k = index.get(label);
    if (k === undefined) {
      throw new CliError(
        `${table.file}: line ${table.lines[r]} has class ${quoted(label)} in column ${quoted(table.names[column]!)}, ` +
          `which the model does not know; its ${formatCount(classes.length)} classes are ${someOf(classes.map(quoted))}`,
      );
    }
    return k;
  });
}

/** One-hot rows of class indices. */
export function oneHot(indices: Int32Array, classes: number): Float32Array {
  const y = new Float32Array(indices.length * classes);
  indices.forEach((k, r) => (y[r * classes + k] = 1));
  return y;
}

/** The columns of a table holding the model's features: by name, or by position in a file without a header. */
export function featureColumns(table: Table, features: readonly string[]): number[] {
  const missing = features.filter((name) => !table.names.includes(name));
  if (missing.length === 0) return features.map((name) => table.names.indexOf(name));
  if (!table.hasHeader && table.names.length === features.length) return features.map((_, j) => j);
  throw new CliError(
    table.hasHeader
      ? `${table.file} lacks the column${missing.length > 1 ? 's' : ''} ${someOf(missing)} that the model takes as input`
      : `${table.file} has no header line and ${table.names.length} columns, but the model takes ${features.length} ` +
          `features (${someOf(features)}); add a header naming them`,
  );
}

/** The given rows of a row-major matrix of the given width, in that order. */
export function takeRows(x: Float32Array, width: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, k) => out.set(x.subarray(row * width, (row + 1) * width), k * width));
  return out;
}
