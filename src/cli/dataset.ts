// From a CSV table to what the commands need: a column named by an option (a
// name or an index), rows with missing values left out or refused as
// --drop-missing says, numbers with the command's advice when a cell is not
// one, and the task a target column suggests.

import { CsvCellError, type CsvTable, parseCsvNumber, type Task } from '../index.js';
import { formatCount, quoted, someOf } from '../text.js';
import { CliError } from './errors.js';

export type { Task };
export const TASKS: readonly Task[] = ['classification', 'regression'];

/** A numeric target with at most this many distinct integer values is taken for class labels. */
const MAX_INFERRED_CLASSES = 20;

/** The column a --target (or --drop) value names: a column name first, else a 0-based index (negative from the end). */
export function columnName(table: CsvTable, spec: string, option: string): string {
  const { columns, source } = table;
  if (columns.includes(spec.trim())) return spec.trim();
  const n = columns.length;
  if (/^-?\d+$/.test(spec.trim())) {
    const index = Number(spec);
    if (index >= -n && index < n) return columns[index < 0 ? n + index : index]!;
    throw new CliError(`${option} ${spec.trim()}: ${source} has ${n} columns, numbered 0 to ${n - 1} (or -1 for the last)`);
  }
  throw new CliError(`${option} ${quoted(spec)}: ${source} has no such column; its columns are ${someOf(columns.map(quoted))}`);
}

/** What --drop-missing left out: how many rows, and the first lines. */
export class DroppedRows {
  #rows = 0;
  #total = 0;
  readonly #lines: number[] = [];

  /** of: the file the rows are in, when the command reads more than one. */
  constructor(readonly of?: string) {}

  /** Counts a table's rows and the rows left out of it. */
  add(table: CsvTable, kept: CsvTable): void {
    this.#total += table.rowCount;
    if (kept === table) return;
    this.#rows += table.rowCount - kept.rowCount;
    const keptLines = new Set(kept.lines);
    for (const line of table.lines) {
      if (this.#lines.length >= LISTED_LINES) break;
      if (!keptLines.has(line)) this.#lines.push(line);
    }
  }

  /** The note the command prints once its work goes ahead; undefined when no row was left out. */
  get note(): string | undefined {
    if (this.#rows === 0) return undefined;
    const lines = this.#rows === 1 ? 'line' : 'lines';
    return `simdnet: --drop-missing left out ${formatCount(this.#rows)} of ${formatCount(this.#total)} rows${this.of ? ` of ${this.of}` : ''} ` +
      `(${lines} ${someOf(this.#lines.map(String), LISTED_LINES, this.#rows)})`;
  }

  /** Whether every row counted was left out. */
  get all(): boolean {
    return this.#total > 0 && this.#rows === this.#total;
  }
}

/** The note names this many of the lines left out. */
const LISTED_LINES = 10;

/**
 * The table without the rows that lack a value in any of the given columns, when dropping them
 * is asked for (counted in dropped); otherwise the first such cell is an error naming its line
 * and column.
 */
export function completeRows(table: CsvTable, columns: readonly string[], dropMissing: boolean, dropped: DroppedRows): CsvTable {
  if (!dropMissing) {
    const missing = table.findMissing(columns);
    if (missing) {
      const cell = missing.cell.trim();
      throw new CliError(
        `${table.source}: line ${missing.line}, column ${quoted(missing.column)} has no value${cell ? ` (${quoted(cell)})` : ''}; ` +
          'add --drop-missing to leave out rows with missing values',
      );
    }
  }
  const kept = dropMissing ? table.dropMissing(columns) : table;
  dropped.add(table, kept);
  return kept;
}

/** The refusal when --drop-missing has left no row. */
export function nothingLeft(file: string): CliError {
  return new CliError(`every row of ${file} has a missing value, so --drop-missing left none`);
}

/** The given columns as a flat Float32Array; a cell that is not a number is an error followed by the advice given. */
export function numericColumns(table: CsvTable, columns: readonly string[], advice: string): Float32Array {
  try {
    return table.toFloat32Array(columns);
  } catch (error) {
    if (error instanceof CsvCellError && error.problem === 'notANumber') throw new CliError(`${error.message}; ${advice}`);
    throw error;
  }
}

/** What a target column's cells suggest: classification when it has text, or only a few distinct integers; regression otherwise. */
export class TaskSurvey {
  #allNumbers = true;
  #allIntegers = true;
  readonly #integers = new Set<number>();

  add(cells: readonly string[]): void {
    for (const cell of cells) {
      const value = parseCsvNumber(cell);
      if (value === undefined) {
        this.#allNumbers = false;
      } else if (!Number.isInteger(value)) {
        this.#allIntegers = false;
      } else if (this.#integers.size <= MAX_INFERRED_CLASSES) {
        this.#integers.add(value);
      }
    }
  }

  /** Whether every cell so far reads as a number. */
  get allNumbers(): boolean {
    return this.#allNumbers;
  }

  get task(): Task {
    if (!this.#allNumbers) return 'classification';
    if (!this.#allIntegers) return 'regression';
    return this.#integers.size <= MAX_INFERRED_CLASSES ? 'classification' : 'regression';
  }
}

/** The task a target column's cells suggest (see TaskSurvey). */
export function inferTask(cells: readonly string[]): Task {
  const survey = new TaskSurvey();
  survey.add(cells);
  return survey.task;
}
