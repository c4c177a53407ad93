// Reading CSV into tables: from a string, from a stream of text or bytes (a web
// ReadableStream, a Node Readable, any async iterable of chunks), a whole table
// or chunks of rows at a time, or from a file in Node. The header line and the
// delimiter are detected unless declared, and every row is checked for its width.

import { describe, SimdnetError } from '../errors.js';
import { quoted } from '../text.js';
import { type Plain, plainObject } from '../validate.js';
import { nodeFileSystem } from '../wasm/load.js';
import { checkDelimiter, CsvRecordParser, guessDelimiter } from './csv-records.js';
import { CsvTable, isMissingValue, parseCsvNumber } from './csv-table.js';

export interface CsvOptions {
  /** Whether the first line names the columns; detected when undefined. */
  header?: boolean;
  /** The field separator; when undefined, the most frequent of comma, semicolon and tab on the first line. */
  delimiter?: string;
  /** What messages call the data, such as its file name (default: 'the CSV text'; readCsvFile: the path). */
  source?: string;
}

export interface CsvChunkOptions extends CsvOptions {
  /** Rows per chunk (default 10,000). */
  chunkRows?: number;
}

/** Text or bytes (UTF-8) in chunks: a web ReadableStream, a Node Readable, or any (async) iterable of chunks. */
export type CsvStream =
  | ReadableStream<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>
  | Iterable<string | Uint8Array>;

const DEFAULT_SOURCE = 'the CSV text';
const DEFAULT_CHUNK_ROWS = 10_000;

/** Reads CSV text into a table. */
export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  if (typeof text !== 'string') throw new SimdnetError(`parseCsv needs the CSV text as a string, got ${describe(text)}`);
  const reader = new TableReader(readOptions(options, 'parseCsv'), Infinity);
  const tables = [...reader.push(text), ...reader.end()];
  return tables[0]!;
}

/** Reads a whole stream of CSV text or bytes (or a string) into one table. */
export async function readCsv(stream: CsvStream | string, options: CsvOptions = {}): Promise<CsvTable> {
  const reader = new TableReader(readOptions(options, 'readCsv'), Infinity);
  const tables: CsvTable[] = [];
  for await (const text of decoded(stream, 'readCsv')) tables.push(...reader.push(text));
  tables.push(...reader.end());
  return tables[0]!;
}

/**
 * Reads a stream of CSV text or bytes a chunk of rows at a time, without holding more of it
 * than a chunk: each chunk is a table with the same columns, its rows' lines counted from the
 * start of the stream.
 */
export async function* readCsvChunks(stream: CsvStream | string, options: CsvChunkOptions = {}): AsyncGenerator<CsvTable, void, undefined> {
  const { given, ...read } = readOptions(options, 'readCsvChunks', ['chunkRows']);
  const chunkRows = given.chunkRows ?? DEFAULT_CHUNK_ROWS;
  if (typeof chunkRows !== 'number' || !Number.isInteger(chunkRows) || chunkRows < 1) {
    throw new SimdnetError(`readCsvChunks options.chunkRows must be a positive integer, got ${describe(chunkRows)}`);
  }
  const reader = new TableReader(read, chunkRows);
  for await (const text of decoded(stream, 'readCsvChunks')) yield* reader.push(text);
  yield* reader.end();
}

/** Reads a CSV file into a table (Node only): in chunks, so a file longer than the longest string reads too. */
export async function readCsvFile(path: string | URL, options: CsvOptions = {}): Promise<CsvTable> {
  return readCsv(fileChunks(path), { source: path instanceof URL ? path.href : path, ...options });
}

/** Bytes read from a file at a time. */
const FILE_CHUNK_BYTES = 1 << 20;

/**
 * The bytes of a file in chunks, read through Node's file system into one buffer: each chunk is
 * valid until the next is asked for (decoded() is done with it by then).
 */
async function* fileChunks(path: string | URL): AsyncGenerator<Uint8Array, void, undefined> {
  const fs = nodeFileSystem();
  if (!fs) throw new SimdnetError('readCsvFile reads files in Node only; elsewhere use readCsv(response.body) or parseCsv(text)');
  const file = await fs.open(path, 'r');
  const buffer = new Uint8Array(FILE_CHUNK_BYTES);
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, FILE_CHUNK_BYTES, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}

const OPTION_KEYS = ['header', 'delimiter', 'source'] as const;

interface ReadOptions {
  header: boolean | undefined;
  delimiter: string | undefined;
  source: string;
}

// Checks a reader's options; `given` holds them all, those of the caller's own too.
function readOptions(options: unknown, caller: string, ownKeys: readonly string[] = []): ReadOptions & { given: Plain } {
  const given = plainObject(options, `${caller} options`, [...OPTION_KEYS, ...ownKeys]);
  if (given.header !== undefined && typeof given.header !== 'boolean') {
    throw new SimdnetError(`${caller} options.header must be true, false or undefined (detected), got ${describe(given.header)}`);
  }
  if (given.source !== undefined && typeof given.source !== 'string') {
    throw new SimdnetError(`${caller} options.source must be a string, got ${describe(given.source)}`);
  }
  return {
    header: given.header as boolean | undefined,
    delimiter: given.delimiter === undefined ? undefined : checkDelimiter(given.delimiter, `${caller} options.delimiter`),
    source: (given.source as string | undefined) ?? DEFAULT_SOURCE,
    given,
  };
}

/** A stream's chunks as text: strings as they are, bytes decoded as UTF-8 (a character may span chunks). */
async function* decoded(stream: CsvStream | string, caller: string): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder();
  for await (const chunk of chunksOf(stream, caller)) {
    if (typeof chunk === 'string') {
      yield chunk;
    } else if (chunk instanceof Uint8Array) {
      yield decoder.decode(chunk, { stream: true });
    } else {
      throw new SimdnetError(`${caller}: the stream gave ${describe(chunk)}; its chunks must be strings or bytes (Uint8Array)`);
    }
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

// A web ReadableStream is read through its reader: not every browser makes it async-iterable.
async function* chunksOf(stream: CsvStream | string, caller: string): AsyncGenerator<unknown, void, undefined> {
  if (typeof stream === 'string') {
    yield stream;
    return;
  }
  if (typeof (stream as ReadableStream | undefined)?.getReader === 'function') {
    const reader = (stream as ReadableStream<unknown>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  const iterable = stream as Partial<AsyncIterable<unknown> & Iterable<unknown>> | null;
  if (typeof iterable?.[Symbol.asyncIterator] !== 'function' && typeof iterable?.[Symbol.iterator] !== 'function') {
    throw new SimdnetError(`${caller} needs a ReadableStream, a Node Readable or an iterable of text or byte chunks, got ${describe(stream)}`);
  }
  yield* stream as AsyncIterable<unknown>;
}

/**
 * Records into tables of up to chunkRows rows: the delimiter guessed from the first line, the
 * header detected from the first two records, and every row checked against the header's width.
 */
class TableReader {
  readonly #options: ReadOptions;
  readonly #chunkRows: number;
  #parser: CsvRecordParser | undefined;
  /** The text before the first line end, while the delimiter is still to be guessed. */
  #firstLine = '';
  /** The first records, while the header is still to be detected. */
  #pending: { fields: string[]; line: number }[] = [];
  #columns: string[] | undefined;
  #hasHeader = false;
  #rows: string[][] = [];
  #lines: number[] = [];
  #rowsRead = 0;
  readonly #ready: CsvTable[] = [];

  constructor(options: ReadOptions, chunkRows: number) {
    this.#options = options;
    this.#chunkRows = chunkRows;
    if (options.delimiter !== undefined) this.#parser = new CsvRecordParser(options.delimiter, options.source);
  }

  /** Reads a piece of text; answers the chunks it completed. */
  push(text: string): CsvTable[] {
    if (this.#parser) {
      this.#parser.push(text, this.#sink);
    } else {
      this.#firstLine += text;
      const end = this.#firstLine.search(/[\r\n]/);
      if (end >= 0) this.#startParsing(this.#firstLine.slice(0, end));
    }
    return this.#ready.splice(0);
  }

  /** Ends the text; answers the last chunks. */
  end(): CsvTable[] {
    if (!this.#parser) this.#startParsing(this.#firstLine);
    this.#parser!.end(this.#sink);
    if (!this.#columns) this.#detectHeader();
    const { source } = this.#options;
    if (!this.#columns) throw new SimdnetError(`${source} is empty`);
    if (this.#rowsRead === 0 && this.#rows.length === 0) throw new SimdnetError(`${source} has a header line but no rows of data`);
    if (this.#rows.length > 0) this.#flush();
    return this.#ready.splice(0);
  }

  #startParsing(firstLine: string): void {
    const { source } = this.#options;
    this.#parser = new CsvRecordParser(guessDelimiter(firstLine), source);
    const text = this.#firstLine;
    this.#firstLine = '';
    this.#parser.push(text, this.#sink);
  }

  readonly #sink = (fields: string[], line: number): void => {
    if (this.#columns) {
      this.#addRow(fields, line);
      return;
    }
    this.#pending.push({ fields, line });
    if (this.#pending.length === 2) this.#detectHeader();
  };

  #detectHeader(): void {
    const [first, second] = this.#pending;
    if (!first) return;
    const { source, header } = this.#options;
    this.#hasHeader = header ?? looksLikeHeader(first.fields, second?.fields);
    this.#columns = this.#hasHeader ? first.fields.map((name) => name.trim()) : first.fields.map((_, j) => `col${j}`);
    const seen = new Set<string>();
    for (const name of this.#columns) {
      if (seen.has(name)) throw new SimdnetError(`${source}: the header names the column ${quoted(name)} twice`);
      seen.add(name);
    }
    const rows = this.#hasHeader ? this.#pending.slice(1) : this.#pending;
    this.#pending = [];
    for (const { fields, line } of rows) this.#addRow(fields, line);
  }

  #addRow(fields: string[], line: number): void {
    const width = this.#columns!.length;
    if (fields.length !== width) {
      const expected = `${this.#hasHeader ? 'the header' : 'the first line'} has ${width}`;
      throw new SimdnetError(`${this.#options.source}: line ${line} has ${fields.length} fields, but ${expected}`);
    }
    this.#rows.push(fields);
    this.#lines.push(line);
    if (this.#rows.length === this.#chunkRows) this.#flush();
  }

  #flush(): void {
    this.#rowsRead += this.#rows.length;
    this.#ready.push(new CsvTable({
      source: this.#options.source,
      columns: this.#columns!,
      hasHeader: this.#hasHeader,
      rows: this.#rows,
      lines: this.#lines,
    }));
    this.#rows = [];
    this.#lines = [];
  }
}

// The first record is a header when some column holds text there but a number below it, or
// when it is the only record and not all numbers. A missing value is no evidence either way.
function looksLikeHeader(first: readonly string[], second: readonly string[] | undefined): boolean {
  const isText = (cell: string) => parseCsvNumber(cell) === undefined && !isMissingValue(cell);
  if (!second) return first.some(isText);
  return first.some((cell, j) => isText(cell) && second[j] !== undefined && parseCsvNumber(second[j]!) !== undefined);
}
