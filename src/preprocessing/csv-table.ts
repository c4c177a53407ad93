// A CSV file read as text cells, with its column names and each row's line,
// and the rules by which a cell is read as a number or as a missing value.

import { SimdnetError } from '../errors.js';
import { quoted, someOf } from '../text.js';

// A plain decimal number: an optional sign, digits with an optional point, an optional exponent.
// Number() would also read 0x10, 0b11, 0o7 and Infinity, and a blank as 0, none of which a CSV
// file means as that number.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Cells that mean "no value", compared trimmed and in any case. */
const MISSING = new Set(['', 'na', 'nan', '?', 'null']);

/** The longest text MISSING holds. */
const LONGEST_MISSING = 4;

/** A cell's number when it holds a plain decimal number (spaces around it allowed, 0x10 or Infinity not); undefined otherwise. */
export function parseCsvNumber(cell: string): number | undefined {
  const text = trimmed(cell);
  return DECIMAL.test(text) ? Number(text) : undefined;
}

/** Whether a cell stands for a missing value: empty, NA, NaN, ? or null, in any case, spaces around it allowed. */
export function isMissingValue(cell: string): boolean {
  // Most cells are longer than any missing token: no need to copy them to find out.
  if (cell.length > LONGEST_MISSING && untrimmable(cell)) return false;
  return MISSING.has(cell.trim().toLowerCase());
}

// Whether trim() would leave a cell as it is, told by its first and last characters being printable ASCII.
function untrimmable(cell: string): boolean {
  const first = cell.charCodeAt(0);
  const last = cell.charCodeAt(cell.length - 1);
  return first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f;
}

// String.prototype.trim's result, without its copy for the usual cell that has no space to trim.
function trimmed(cell: string): string {
  return cell.length > 0 && untrimmable(cell) ? cell : cell.trim();
}

/** Why a cell could not be read as a number. */
export type CsvCellProblem = 'missing' | 'notANumber' | 'beyondFloat32';

/** A cell that should hold a number and does not; the message names its line and column. */
export class CsvCellError extends SimdnetError {
  override name = 'CsvCellError';

  constructor(
    message: string,
    readonly problem: CsvCellProblem,
    /** The line of the text the cell's row starts on (from 1). */
    readonly line: number,
    /** The cell's column name. */
    readonly column: string,
    /** The cell's text. */
    readonly cell: string,
  ) {
    super(message);
  }
}

/** A cell that lacks a value, as findMissing reports it. */
export interface MissingCell {
  /** The row's index in the table (from 0). */
  row: number;
  /** The line of the text the row starts on (from 1). */
  line: number;
  column: string;
  /** The cell's text: empty, NA, NaN, ? or null. */
  cell: string;
}

/** What a CsvTable is made of; the CSV readers (parseCsv, readCsv, readCsvFile) build tables. */
export interface CsvTableParts {
  source: string;
  columns: readonly string[];
  hasHeader: boolean;
  rows: readonly (readonly string[])[];
  lines: readonly number[];
}

/** Rows of text cells under named columns, as a CSV reader read them. */
export class CsvTable {
  /** What messages call the data: a file name, or what the reader was told. */
  readonly source: string;
  /** The column names: the header's, or col0, col1 … for a file without a header. */
  readonly columns: readonly string[];
  readonly hasHeader: boolean;
  /** Each row's cells as text, as many as there are columns. */
  readonly rows: readonly (readonly string[])[];
  /** The line of the text each row starts on (from 1), for messages. */
  readonly lines: readonly number[];

  constructor(parts: CsvTableParts) {
    this.source = parts.source;
    this.columns = parts.columns;
    this.hasHeader = parts.hasHeader;
    this.rows = parts.rows;
    this.lines = parts.lines;
  }

  get rowCount(): number {
    return this.rows.length;
  }

  /** The index of a column by its name; an unknown name is an error listing the columns. */
  columnIndex(name: string): number {
    const j = this.columns.indexOf(name);
    if (j < 0) {
      throw new SimdnetError(`${this.source} has no column ${quoted(String(name))}; its columns are ${someOf(this.columns.map(quoted))}`);
    }
    return j;
  }

  /** A column's cells, trimmed of the spaces around them. */
  column(name: string): string[] {
    const j = this.columnIndex(name);
    return this.rows.map((row) => row[j]!.trim());
  }

  /**
   * The given columns (default: all) as rows of numbers. A cell that is missing, is not a plain
   * decimal number or is beyond the float32 range is a CsvCellError naming its line and column.
   */
  numbers(columns: readonly string[] = this.columns): number[][] {
    const indices = columns.map((name) => this.columnIndex(name));
    return this.rows.map((_, r) => indices.map((j) => this.number(r, j)));
  }

  /** The given columns (default: all) as a flat row-major Float32Array, checked as numbers() checks them. */
  toFloat32Array(columns: readonly string[] = this.columns): Float32Array {
    const indices = columns.map((name) => this.columnIndex(name));
    const width = indices.length;
    const out = new Float32Array(this.rows.length * width);
    for (let r = 0; r < this.rows.length; r++) {
      for (let k = 0; k < width; k++) out[r * width + k] = this.number(r, indices[k]!);
    }
    return out;
  }

  /** The number in row r, column j; an error naming the cell when there is none. */
  number(r: number, j: number): number {
    const cell = this.rows[r]![j]!;
    const value = parseCsvNumber(cell);
    if (value !== undefined && Number.isFinite(Math.fround(value))) return value;
    const where = this.cellName(r, j);
    const fail = (message: string, problem: CsvCellProblem) =>
      new CsvCellError(message, problem, this.lines[r]!, this.columns[j]!, cell);
    if (value !== undefined) {
      throw fail(`${where} holds ${cell.trim()}, beyond the float32 range (about ±3.4e38) the network computes in`, 'beyondFloat32');
    }
    if (isMissingValue(cell)) throw fail(`${where} has no value${cell.trim() ? ` (${quoted(cell.trim())})` : ''}`, 'missing');
    throw fail(`${where} holds ${quoted(cell.trim())}, not a number`, 'notANumber');
  }

  /** Names a cell for messages: the source, the row's line and the column. */
  cellName(r: number, j: number): string {
    return `${this.source}: line ${this.lines[r]}, column ${quoted(this.columns[j]!)}`;
  }

  /** The first cell of the given columns (default: all), row by row, that holds a missing value. */
  findMissing(columns: readonly string[] = this.columns): MissingCell | undefined {
    const indices = columns.map((name) => this.columnIndex(name));
    for (let r = 0; r < this.rows.length; r++) {
      const j = indices.find((k) => isMissingValue(this.rows[r]![k]!));
      if (j !== undefined) return { row: r, line: this.lines[r]!, column: this.columns[j]!, cell: this.rows[r]![j]! };
    }
    return undefined;
  }

  /** The table without the rows that have a missing value in any of the given columns (default: all). */
  dropMissing(columns: readonly string[] = this.columns): CsvTable {
    const indices = columns.map((name) => this.columnIndex(name));
    const kept = this.rows.flatMap((row, r) => (indices.some((j) => isMissingValue(row[j]!)) ? [] : [r]));
    if (kept.length === this.rows.length) return this;
    return this.#withRows(kept.map((r) => this.rows[r]!), kept.map((r) => this.lines[r]!));
  }

  /** Rows start to end (not included) as a table of their own, with their lines. */
  slice(start: number, end?: number): CsvTable {
    return this.#withRows(this.rows.slice(start, end), this.lines.slice(start, end));
  }

  #withRows(rows: readonly (readonly string[])[], lines: readonly number[]): CsvTable {
    return new CsvTable({ source: this.source, columns: this.columns, hasHeader: this.hasHeader, rows, lines });
  }
}
