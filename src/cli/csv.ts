// The CLI's CSV files: read through the library's CSV reader, whole or a chunk of
// rows at a time, and written (predictions) with text escaped for spreadsheets.

import { type CsvTable, parseCsvNumber, readCsv, readCsvChunks } from '../index.js';
import { openFile } from './files.js';

/** How the commands read a CSV file: whether it has a header line (detected when undefined), and its delimiter (guessed). */
export interface ReadOptions {
  header?: boolean;
  delimiter?: string;
}

/** Reads a whole CSV file. */
export function readTable(file: string, options: ReadOptions = {}): Promise<CsvTable> {
  return readCsv(openFile(file).stream, csvOptions(file, options));
}

/** Reads a CSV file a chunk of rows at a time; onProgress hears the fraction of the file read after each chunk. */
export async function* readTableChunks(
  file: string,
  options: ReadOptions,
  chunkRows: number,
  onProgress?: (fraction: number) => void,
): AsyncGenerator<CsvTable, void, undefined> {
  const { stream, bytes } = openFile(file);
  for await (const chunk of readCsvChunks(stream, { ...csvOptions(file, options), chunkRows })) {
    yield chunk;
    onProgress?.(bytes > 0 ? stream.bytesRead / bytes : 1);
  }
}

function csvOptions(file: string, { header, delimiter }: ReadOptions) {
  return { source: file, ...(header === undefined ? {} : { header }), ...(delimiter === undefined ? {} : { delimiter }) };
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
  if (FORMULA_START.test(value) && parseCsvNumber(value) === undefined) return `"'${value.replaceAll('"', '""')}"`;
  // Empty text is quoted too: a line of one empty field would be a blank line, which readers skip.
  return /[",\r\n]/.test(value) || value !== value.trim() || value === '' ? `"${value.replaceAll('"', '""')}"` : value;
}

/** CSV text (LF line ends) of a header and rows: numbers written as numbers, text escaped as textField says. */
export function formatCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) =>
    cells.map((c) => (typeof c === 'number' ? String(c) : textField(c))).join(',');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
