// CSV text to records of fields, fed in pieces of any size: RFC 4180 fields
// (quotes, doubled quotes, line ends of LF, CRLF or CR, inside quotes too), a
// byte order mark skipped, blank lines skipped, and each record's line number
// kept for messages. A piece may end anywhere, inside a quoted field or
// between the CR and LF of a line end.

import { SimdnetError } from '../errors.js';
import { quoted } from '../text.js';

/** A record and the line of the text it starts on (from 1). */
export type RecordSink = (fields: string[], line: number) => void;

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const BOM = 0xfeff;

// Where the parser stands between two characters.
const UNQUOTED = 0;
const QUOTED = 1;
/** A quote seen inside a quoted field: the next character tells a doubled quote from the closing one. */
const QUOTE_IN_QUOTES = 2;

/** The delimiters guessDelimiter chooses from. */
export const DELIMITERS = [',', ';', '\t'];

/** A delimiter a CSV reader can be given: one character, not a quote or a line end. */
export function checkDelimiter(delimiter: unknown, path: string): string {
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || /["\r\n]/.test(delimiter)) {
    const got = typeof delimiter === 'string' ? quoted(delimiter) : typeof delimiter;
    throw new SimdnetError(`${path} must be one character other than a quote or a line end, got ${got}`);
  }
  return delimiter;
}

/** The most frequent of comma, semicolon and tab on a line (comma when none is there). */
export function guessDelimiter(firstLine: string): string {
  const counts = DELIMITERS.map((d) => [d, firstLine.split(d).length] as const);
  return counts.reduce((best, c) => (c[1] > best[1] ? c : best))[0];
}

/**
 * Splits CSV text into records, piece by piece: push each piece as it comes, then end(). A
 * quote opens a quoted field only at the start of a field; elsewhere it is text. A line that
 * is empty or only spaces is skipped, but a line of "" is a record of one empty field.
 */
export class CsvRecordParser {
  readonly #delimiter: number;
  readonly #source: string;
  #state = UNQUOTED;
  #field = '';
  #record: string[] = [];
  /** Whether the record has a quoted field, which makes it a record even if its text is blank. */
  #recordQuoted = false;
  #line = 1;
  #recordLine = 1;
  /** A CR ended the last record: an LF right after it belongs to the same line end. */
  #afterCR = false;
  #started = false;

  constructor(delimiter: string, source: string) {
    this.#delimiter = delimiter.charCodeAt(0);
    this.#source = source;
  }

  /** Parses the next piece of text, handing each record it completes to sink. */
  push(text: string, sink: RecordSink): void {
    const delimiter = this.#delimiter;
    const n = text.length;
    let i = 0;
    if (!this.#started && n > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === BOM) i = 1;
    }
    while (i < n) {
      if (this.#state === QUOTED) {
        const quote = text.indexOf('"', i);
        const end = quote < 0 ? n : quote;
        for (let k = i; k < end; k++) if (text.charCodeAt(k) === LF) this.#line++;
        this.#field += text.slice(i, end);
        i = end;
        if (quote >= 0) {
          this.#state = QUOTE_IN_QUOTES;
          i++;
        }
        continue;
      }
      const c = text.charCodeAt(i);
      if (this.#state === QUOTE_IN_QUOTES) {
        if (c === QUOTE) {
          this.#field += '"';
          this.#state = QUOTED;
          i++;
          continue;
        }
        this.#state = UNQUOTED;
      }
      if (this.#afterCR) {
        this.#afterCR = false;
        if (c === LF) {
          i++;
          continue;
        }
      }
      if (c === QUOTE && this.#field === '') {
        this.#state = QUOTED;
        this.#recordQuoted = true;
        i++;
      } else if (c === delimiter) {
        this.#record.push(this.#field);
        this.#field = '';
        i++;
      } else if (c === LF || c === CR) {
        this.#endRecord(sink);
        this.#line++;
        this.#recordLine = this.#line;
        this.#afterCR = c === CR;
        i++;
      } else {
        // The rest of the field up to a delimiter or line end, in one slice (a quote in it is text).
        let k = i + 1;
        while (k < n) {
          const d = text.charCodeAt(k);
          if (d === delimiter || d === LF || d === CR) break;
          k++;
        }
        this.#field += text.slice(i, k);
        i = k;
      }
    }
  }

  /** Ends the text: hands over the last record, if any; a quoted field still open is an error naming its line. */
  end(sink: RecordSink): void {
    if (this.#state === QUOTED) {
      throw new SimdnetError(`${this.#source}: line ${this.#recordLine} opens a quoted field that is never closed`);
    }
    if (this.#field !== '' || this.#record.length > 0 || this.#recordQuoted) this.#endRecord(sink);
  }

  #endRecord(sink: RecordSink): void {
    const record = this.#record;
    record.push(this.#field);
    if (record.length > 1 || record[0]!.trim() !== '' || this.#recordQuoted) sink(record, this.#recordLine);
    this.#record = [];
    this.#field = '';
    this.#recordQuoted = false;
  }
}
