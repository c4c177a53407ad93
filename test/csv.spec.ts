// The CSV reader: fields, quotes and line ends; the header and the delimiter detected or
// declared; cells read as numbers or missing values with errors naming line and column; and
// the same table from a string, a stream of text or bytes cut anywhere, and chunks of rows.

import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CsvCellError, type CsvTable, isMissingValue, parseCsv, parseCsvNumber, readCsv, readCsvChunks, readCsvFile, SimdnetError,
} from '../src/index.js';

const IRIS = new URL('../data/iris/iris.csv', import.meta.url);

/** What a table holds, for comparing tables. */
const contents = (t: CsvTable) => ({ columns: t.columns, hasHeader: t.hasHeader, rows: t.rows, lines: t.lines });

describe('parseCsv', () => {
  it('reads quoted fields, doubled quotes, CRLF line ends and blank lines, keeping each row\'s line', () => {
    const table = parseCsv('a,"b,c"\r\n\r\n"say ""hi""",2\n"multi\nline",3', { source: 'x.csv' });
    expect(table.columns).toEqual(['a', 'b,c']);
    expect(table.rows).toEqual([['say "hi"', '2'], ['multi\nline', '3']]);
    expect(table.lines).toEqual([3, 4]);
    expect(table.source).toBe('x.csv');
  });

  it('skips a byte order mark and a blank last line, and takes CR alone as a line end', () => {
    expect(contents(parseCsv('\ufeffa,b\r1,2\r3,4\r\r'))).toEqual({ columns: ['a', 'b'], hasHeader: true, rows: [['1', '2'], ['3', '4']], lines: [2, 3] });
  });

  it('guesses the delimiter from the first line, or takes the one given', () => {
    expect(parseCsv('a;b\n1,5;2\n').rows).toEqual([['1,5', '2']]);
    expect(parseCsv('a\tb\n1\t2\n').rows).toEqual([['1', '2']]);
    expect(parseCsv('a;b|c\n1;2|3\n', { delimiter: '|' }).columns).toEqual(['a;b', 'c']);
  });

  it('detects a header when a column holds text above a number, and names the columns of a file without one', () => {
    expect(parseCsv('x,y\n1,2\n').hasHeader).toBe(true);
    const headless = parseCsv('1,2\n3,4\n');
    expect(headless.hasHeader).toBe(false);
    expect(headless.columns).toEqual(['col0', 'col1']);
    expect(headless.lines).toEqual([1, 2]);
    // Text over text is no evidence of a header; it can be declared.
    expect(parseCsv('a,b\nc,d\n').hasHeader).toBe(false);
    expect(parseCsv('a,b\nc,d\n', { header: true }).rows).toEqual([['c', 'd']]);
    expect(parseCsv('1,2\n3,4\n', { header: true }).columns).toEqual(['1', '2']);
  });

  it.each([
    ['a,b\n"open,1\n', 'x.csv: line 2 opens a quoted field that is never closed'],
    ['a,b\n1,2\n3\n', 'x.csv: line 3 has 1 fields, but the header has 2'],
    ['1,2\n3,4,5\n', 'x.csv: line 2 has 3 fields, but the first line has 2'],
    ['a,a\n1,2\n', "x.csv: the header names the column 'a' twice"],
    ['\n \n', 'x.csv is empty'],
    ['a,b\n', 'x.csv has a header line but no rows of data'],
  ])('refuses %j: %s', (text, message) => {
    const read = () => parseCsv(text, { source: 'x.csv' });
    expect(read).toThrow(SimdnetError);
    expect(read).toThrow(message);
  });

  it('refuses options it does not know and delimiters it cannot use', () => {
    expect(() => parseCsv('a\n1\n', { seperator: ';' } as never)).toThrow("parseCsv options has an unknown option 'seperator'");
    for (const delimiter of ['"', '\n', ';;', '']) {
      expect(() => parseCsv('a\n1\n', { delimiter })).toThrow('parseCsv options.delimiter must be one character other than a quote or a line end');
    }
    expect(() => parseCsv(42 as never)).toThrow('parseCsv needs the CSV text as a string, got 42');
  });
});

describe('cells', () => {
  it.each(['1', '-1.5', '.5', '5.', '+7', '2e-3', ' 7 ', '1E3'])('%j is a number', (cell) => {
    expect(parseCsvNumber(cell)).toBe(Number(cell.trim()));
  });

  it.each(['0x10', '0b11', 'Infinity', '1_000', '1e', '--1', '1,5', '', 'NaN', 'abc'])('%j is not', (cell) => {
    expect(parseCsvNumber(cell)).toBeUndefined();
  });

  it('takes empty, NA, NaN, ?, null in any case and with spaces around for missing values, and nothing else', () => {
    for (const cell of ['', '  ', 'NA', ' na ', 'NaN', 'nan', '?', 'null', 'NULL']) expect(isMissingValue(cell), cell).toBe(true);
    for (const cell of ['0', 'n/a', 'none', '-', 'nul']) expect(isMissingValue(cell), cell).toBe(false);
  });

  const table = parseCsv('a,b,t\n1,2,x\n3, NA ,y\n5,6,\n7,1e39,z\n8,abc,w\n', { source: 'cells.csv' });

  it('gives columns as trimmed text, and numbers as rows or a flat Float32Array', () => {
    expect(table.column('t')).toEqual(['x', 'y', '', 'z', 'w']);
    const clean = table.slice(0, 1);
    expect(clean.numbers(['b', 'a'])).toEqual([[2, 1]]);
    expect(clean.toFloat32Array(['a', 'b'])).toEqual(new Float32Array([1, 2]));
    expect(() => table.column('c')).toThrow("cells.csv has no column 'c'; its columns are 'a', 'b', 't'");
  });

  it('names the line and column of a cell that is missing, not a number, or beyond float32', () => {
    const problem = (rows: CsvTable, columns: string[]) => {
      try {
        rows.toFloat32Array(columns);
      } catch (error) {
        expect(error).toBeInstanceOf(CsvCellError);
        const { message, problem, line, column, cell } = error as CsvCellError;
        return { message, problem, line, column, cell };
      }
      throw new Error('no error');
    };
    expect(problem(table, ['a', 'b'])).toEqual({ message: "cells.csv: line 3, column 'b' has no value ('NA')", problem: 'missing', line: 3, column: 'b', cell: ' NA ' });
    expect(problem(table.slice(3), ['b'])).toMatchObject({ message: "cells.csv: line 5, column 'b' holds 1e39, beyond the float32 range (about ±3.4e38) the network computes in", problem: 'beyondFloat32' });
    expect(problem(table.slice(4), ['b'])).toMatchObject({ message: "cells.csv: line 6, column 'b' holds 'abc', not a number", problem: 'notANumber' });
    expect(() => table.numbers(['t'])).toThrow("cells.csv: line 2, column 't' holds 'x', not a number");
  });

  it('finds and drops the rows with missing values in the columns asked about, keeping their lines', () => {
    expect(table.findMissing(['a'])).toBeUndefined();
    expect(table.findMissing()).toEqual({ row: 1, line: 3, column: 'b', cell: ' NA ' });
    expect(table.findMissing(['t'])).toEqual({ row: 2, line: 4, column: 't', cell: '' });
    const kept = table.dropMissing(['b', 't']);
    expect(kept.lines).toEqual([2, 5, 6]);
    expect(kept.column('t')).toEqual(['x', 'z', 'w']);
    expect(table.dropMissing(['a'])).toBe(table);
    expect(table.rowCount).toBe(5);
  });
});

// Generated CSV text: fields of letters, digits, spaces, quotes, delimiters, line ends and
// characters of two to four UTF-8 bytes; quoted where they need to be.
const field = fc.string({ unit: fc.constantFrom('a', '1', ' ', '"', ',', '\n', '\r', 'é', '€', '😀', '.'), maxLength: 6 });
const csvText = fc.record({
  width: fc.integer({ min: 1, max: 4 }),
  rows: fc.integer({ min: 1, max: 8 }),
  cells: fc.array(field, { minLength: 32, maxLength: 32 }),
  lineEnd: fc.constantFrom('\n', '\r\n', '\r'),
}).map(({ width, rows, cells, lineEnd }) => {
  const quote = (cell: string) => (/[",\r\n]/.test(cell) || cell.trim() === '' ? `"${cell.replaceAll('"', '""')}"` : cell);
  const header = Array.from({ length: width }, (_, j) => `c${j}`).join(',');
  const lines = Array.from({ length: rows }, (_, r) => Array.from({ length: width }, (_, j) => quote(cells[(r * width + j) % 32]!)).join(','));
  return [header, ...lines].join(lineEnd) + lineEnd;
});

/** Cuts a sequence into pieces at the given fractions of its length. */
function cut<T extends string | Uint8Array>(whole: T, at: number[]): T[] {
  const points = [...new Set(at.map((f) => Math.floor(f * whole.length)))].sort((a, b) => a - b);
  return [0, ...points].map((start, k) => whole.slice(start, points[k] ?? whole.length) as T);
}

describe('streams', () => {
  it('give the table parseCsv gives, however the text or its bytes are cut', async () => {
    await fc.assert(
      fc.asyncProperty(csvText, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }), async (text, at) => {
        const whole = contents(parseCsv(text, { header: true }));
        expect(contents(await readCsv(cut(text, at), { header: true }))).toEqual(whole);
        expect(contents(await readCsv(cut(new TextEncoder().encode(text), at), { header: true }))).toEqual(whole);
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('read from a web ReadableStream, a Node Readable and an async iterable', async () => {
    const text = 'a,b\n1,2\n3,4\n';
    const bytes = new TextEncoder().encode(text);
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 5));
        controller.enqueue(bytes.subarray(5));
        controller.close();
      },
    });
    async function* pieces() {
      yield 'a,b\n1,';
      yield '2\n3,4\n';
    }
    const expected = contents(parseCsv(text));
    expect(contents(await readCsv(web))).toEqual(expected);
    expect(contents(await readCsv(Readable.from([Buffer.from(text)])))).toEqual(expected);
    expect(contents(await readCsv(pieces()))).toEqual(expected);
    await expect(readCsv([1, 2] as never)).rejects.toThrow('readCsv: the stream gave 1; its chunks must be strings or bytes (Uint8Array)');
    await expect(readCsv(42 as never)).rejects.toThrow('readCsv needs a ReadableStream, a Node Readable or an iterable of text or byte chunks, got 42');
  });

  it('in chunks of rows: the same columns, the lines counted from the start, the rows of the whole', async () => {
    const text = `x,y\n${Array.from({ length: 23 }, (_, r) => `${r},${r % 3}`).join('\n')}\n`;
    const chunks: CsvTable[] = [];
    for await (const chunk of readCsvChunks(cut(text, [0.1, 0.5, 0.52]), { chunkRows: 5 })) chunks.push(chunk);
    expect(chunks.map((c) => c.rowCount)).toEqual([5, 5, 5, 5, 3]);
    expect(new Set(chunks.map((c) => c.columns.join()))).toEqual(new Set(['x,y']));
    expect(chunks.flatMap((c) => c.lines)).toEqual(contents(parseCsv(text)).lines);
    expect(chunks.flatMap((c) => c.rows)).toEqual(parseCsv(text).rows);
    const read = async () => {
      for await (const chunk of readCsvChunks(['a\n1\n'], { chunkRows: 0 })) void chunk;
    };
    await expect(read()).rejects.toThrow('readCsvChunks options.chunkRows must be a positive integer, got 0');
  });

  it('names the line of a row that does not fit, in a later chunk too', async () => {
    const read = async () => {
      for await (const chunk of readCsvChunks(['a,b\n1,2\n3,4\n5\n'], { chunkRows: 1, source: 'late.csv' })) void chunk;
    };
    await expect(read()).rejects.toThrow('late.csv: line 4 has 1 fields, but the header has 2');
  });
});

describe('readCsvFile', () => {
  it('reads a file in Node, named by its path in messages', async () => {
    const iris = await readCsvFile(IRIS);
    expect(iris.rowCount).toBe(150);
    expect(iris.columns).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species']);
    expect(new Set(iris.column('species'))).toEqual(new Set(['setosa', 'versicolor', 'virginica']));
    expect(() => iris.column('colour')).toThrow(`${IRIS.href} has no column 'colour'`);
  });
});
