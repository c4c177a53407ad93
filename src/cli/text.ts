// User data (cells, column names, class labels) as messages show it: quoted, on one
// line, and short, whatever the file held.

import { formatCount } from './progress.js';

/** Text longer than this many characters is cut short in a message. */
const QUOTED_LENGTH = 40;
/** A list in a message names this many of its items, then says how many more there are. */
const LISTED_ITEMS = 10;

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Text with line breaks and other control characters escaped, so that it stays on one line. */
export function escaped(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f\u2028\u2029]/g,
    (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Text in single quotes, escaped, and shortened when long. */
export function quoted(text: string): string {
  const characters = [...text];
  return `'${escaped(characters.length > QUOTED_LENGTH ? `${characters.slice(0, QUOTED_LENGTH).join('')}…` : text)}'`;
}

/** The first items of a list, comma-separated, and how many more there are: "a, b, c and 17 more". */
export function someOf(items: readonly string[], shown = LISTED_ITEMS): string {
  if (items.length <= shown) return items.join(', ');
  return `${items.slice(0, shown).join(', ')} and ${formatCount(items.length - shown)} more`;
}

/** Describes a value read from a JSON file for a message: numbers as written, text quoted, other values by kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return quoted(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}
