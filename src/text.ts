// User data (cells, column names, class labels) and counts as messages show them: text
// quoted, on one line, and short, whatever the file held; counts with thousands separators.

/** Text longer than this many characters is cut short in a message. */
const QUOTED_LENGTH = 40;
/** A list in a message names this many of its items, then says how many more there are. */
const LISTED_ITEMS = 10;

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A count with thousands separators. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

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

/**
 * The first items of a list, comma-separated, and how many more there are: "a, b, c and 17
 * more". total: the length of the whole list, when only its first items are given.
 */
export function someOf(items: readonly string[], shown = LISTED_ITEMS, total = items.length): string {
  if (total <= shown) return items.join(', ');
  return `${items.slice(0, shown).join(', ')} and ${formatCount(total - shown)} more`;
}
