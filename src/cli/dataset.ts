// From a CSV table to what a network takes: the target column found by name or
// index, feature columns as numbers, classification or regression inferred,
// and class labels encoded one-hot.

import type { Table } from './csv.js';
import { isNumber } from './csv.js';
import { CliError } from './errors.js';

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
    throw new CliError(`${option} ${spec}: ${table.file} has ${n} columns, numbered 0 to ${n - 1} (or -1 for the last)`);
  }
  throw new CliError(`${option} '${spec}': ${table.file} has no such column; its columns are ${table.names.join(', ')}`);
}

/**
 * The given columns of every row as numbers, row-major; a cell that is not a number is an
 * error naming it, followed by the advice given.
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
      if (!isNumber(cell)) {
        const what = cell.trim() === '' ? 'is empty' : `holds '${cell}'`;
        throw new CliError(`${table.file}: line ${table.lines[r]}, column '${table.names[column]}' ${what}, not a number; ${advice}`);
      }
      x[r * width + j] = Number(cell);
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

/** One-hot rows of a target column; a label outside classes is an error naming its line. */
export function oneHot(table: Table, column: number, classes: readonly string[]): Float32Array {
  const index = new Map(classes.map((label, k) => [label, k]));
  const y = new Float32Array(table.rows.length * classes.length);
  table.rows.forEach((row, r) => {
    const label = row[column]!.trim();
    const k = index.get(label);
    if (k === undefined) {
      throw new CliError(
        `${table.file}: line ${table.lines[r]} has class '${label}' in column '${table.names[column]}', ` +
          `which the model does not know; its classes are ${classes.join(', ')}`,
      );
    }
    y[r * classes.length + k] = 1;
  });
  return y;
}

/** The columns of a table holding the model's features: by name, or by position in a file without a header. */
export function featureColumns(table: Table, features: readonly string[]): number[] {
  const missing = features.filter((name) => !table.names.includes(name));
  if (missing.length === 0) return features.map((name) => table.names.indexOf(name));
  if (!table.hasHeader && table.names.length === features.length) return features.map((_, j) => j);
  throw new CliError(
    table.hasHeader
      ? `${table.file} lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that the model takes as input`
      : `${table.file} has no header line and ${table.names.length} columns, but the model takes ${features.length} ` +
          `features (${features.join(', ')}); add a header naming them`,
  );
}

/** The given rows of a row-major matrix of the given width, in that order. */
export function takeRows(x: Float32Array, width: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, k) => out.set(x.subarray(row * width, (row + 1) * width), k * width));
  return out;
}
