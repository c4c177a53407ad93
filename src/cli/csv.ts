// CSV in and out: RFC 4180 fields (quotes, doubled quotes, CRLF or LF line ends),
// a header line detected or declared, and every row checked for its width.

import { CliError } from './errors.js';
import { readText } from './files.js';
import { quoted } from './text.js';

/** A CSV file as text cells: column names (generated as col0, col1 … without a header) and rows. */
export interface Table {
  file: string;
  names: string[];
  hasHeader: boolean;
  rows: string[][];
  /** The file's line number of each row, for error messages. */
  lines: number[];
}

// A plain decimal number: an optional sign, digits with an optional point, an optional exponent.
// Number() would also read 0x10, 0b11, 0o7 and Infinity, and a blank as 0, none of which a CSV
// file means as that number.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Cells that mean "no value", compared trimmed and in any case. */
const MISSING = new Set(['', 'na', 'nan', '?', 'null']);

/** A cell's number when it holds a plain decimal number (spaces around it allowed); undefined otherwise. */
export function parseDecimal(cell: string): number | undefined {
  const text = cell.trim();
  return DECIMAL.test(text) ? Number(text) : undefined;
}

/** Whether a cell holds a plain decimal number. */
export function isNumber(cell: string): boolean {
  return parseDecimal(cell) !== undefined;
}

/** Whether a cell stands for a missing value: empty, NA, NaN, ? or null. */
export function isMissing(cell: string): boolean {
  return MISSING.has(cell.trim().toLowerCase());
}

/** Splits CSV text into records of fields, with the line each record starts on; blank lines are skipped (a line of "" is not blank). */
export function parseCsv(text: string, delimiter: string, file: string): { records: string[][]; lines: number[] } {
  const records: string[][] = [];
  const lines: number[] = [];
  let record: string[] = [];
  let field = '';
  let inQuotes = false;
  let recordQuotes = false;
  let line = 1;
  let recordLine = 1;
  const endRecord = () => {
    record.push(field);
    if (record.length > 1 || record[0]!.trim() !== '' || recordQuotes) {
      records.push(record);
      lines.push(recordLine);
    }
    record = [];
    field = '';
    recordQuotes = false;
  };
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        inQuotes = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') {
      inQuotes = true;
      recordQuotes = true;
    } else if (c === delimiter) {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += c;
    }
  }
  if (inQuotes) throw new CliError(`${file}: line ${recordLine} opens a quoted field that is never closed`);
  if (field !== '' || record.length > 0 || recordQuotes) endRecord();
  return { records, lines };
}

// The first record is a header when some column holds text there but a number below it,
// or when the file has only that one record and it is not all numbers. A missing value is
// no evidence either way.
function looksLikeHeader(records: string[][]): boolean {
  const [first, second] = records;
  if (!first) return false;
  const isText = (cell: string) => !isNumber(cell) && !isMissing(cell);
  if (!second) return first.some(isText);
  return first.some((cell, j) => isText(cell) && second[j] !== undefined && isNumber(second[j]!));
}

/** Guesses the delimiter from the first line: the most frequent of comma, semicolon and tab. */
function guessDelimiter(text: string): string {
  const firstLine = text.slice(0, text.search(/\r|\n|$/));
  const counts = [',', ';', '\t'].map((d) => [d, firstLine.split(d).length] as const);
  return counts.reduce((best, c) => (c[1] > best[1] ? c : best))[0];
}

/**
 * Reads a CSV file. header: true or false to declare whether the first line names the columns,
 * undefined to detect it. delimiter: undefined to guess it from the first line.
 */
export function readTable(file: string, options: { header?: boolean; delimiter?: string } = {}): Table {
  const text = readText(file);
  const { records, lines } = parseCsv(text, options.delimiter ?? guessDelimiter(text), file);
  if (records.length === 0) throw new CliError(`${file} is empty`);
  const hasHeader = options.header ?? looksLikeHeader(records);
  const names = hasHeader ? records[0]!.map((name) => name.trim()) : records[0]!.map((_, j) => `col${j}`);
  const rows = hasHeader ? records.slice(1) : records;
  const rowLines = hasHeader ? lines.slice(1) : lines;
  if (rows.length === 0) throw new CliError(`${file} has a header line but no rows of data`);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new CliError(`${file}: the header names the column ${quoted(name)} twice`);
    seen.add(name);
  }
  rows.forEach((row, r) => {
    if (row.length !== names.length) {
      const expected = `${hasHeader ? 'the header' : 'the first line'} has ${names.length}`;
      throw new CliError(`${file}: line ${rowLines[r]} has ${row.length} fields, but ${expected}`);
    }
  });
  return { file, names, hasHeader, rows, lines: rowLines };
}

// A spreadsheet runs a cell that starts with one of these as a formula (or, after a tab or
// carriage return, may): OWASP's list for CSV injection.
const FORMULA_START = /^(?:\s*[=+\-@]|[\t\r])/;

/**
 * A text field, quoted if it needs to be. Text a spreadsheet would run as a formula gets a
 * leading apostrophe and quotes, as OWASP advises; text that is a plain decimal number (a class
 * labelled -1) is a number to a spreadsheet too, and stays as it is.
 */
function textField(value: string): string {
  if (FORMULA_START.test(value) && !isNumber(value)) return `"'${value.replaceAll('"', '""')}"`;
  // Empty text is quoted too: a line of one empty field would be a blank line, which readers skip.
  return /[",\r\n]/.test(value) || value !== value.trim() || value === '' ? `"${value.replaceAll('"', '""')}"` : value;
}

/** CSV text (LF line ends) of a header and rows: numbers written as numbers, text escaped as textField says. */
export function formatCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) =>
    cells.map((c) => (typeof c === 'number' ? String(c) : textField(c))).join(',');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
