// Command-line parsing on node:util parseArgs, with its errors reworded and
// the checks of numeric option values every command shares.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseCsvNumber } from '../index.js';
import { quoted } from '../text.js';
import { type Io, println } from './command.js';
import { UsageError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses one command's arguments (help is added); throws UsageError for anything parseArgs refuses. */
function parseCommand<T extends Options>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } } as T & { help: { type: 'boolean'; short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(reword(error as Error & { code?: string }, argv), command);
  }
}

function reword(error: Error & { code?: string }, argv: readonly string[]): string {
  const option = /--[\w-]+/.exec(error.message)?.[0] ?? /'(-\w)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? error.message}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      if (!option) return error.message;
      if (!/ambiguous/.test(error.message)) return `option ${option} needs a value`;
      // parseArgs refuses a value that starts with a dash, which may be the next option.
      const short = /'(-\w)[',]/.exec(error.message)?.[1];
      const at = argv.findIndex((arg) => arg === option || arg === short);
      const value = argv[at + 1] ?? '-…';
      return `option ${option} got no value; a value that starts with a dash must be written ${option}=${value}`;
    }
    default:
      return error.message;
  }
}

/** The positional arguments a command needs, named for the error when some are missing or extra. */
function positionals(command: string, given: string[], names: readonly string[]): string[] {
  if (given.length < names.length) {
    throw new UsageError(`missing ${names.slice(given.length).map((n) => `<${n}>`).join(' and ')}`, command);
  }
  if (given.length > names.length) throw new UsageError(`unexpected argument ${quoted(given[names.length]!)}`, command);
  return given;
}

/** What readCommand needs to know of a command: its name, options, --help text and positional arguments. */
export interface CommandLine<T extends Options> {
  name: string;
  options: T;
  help: string;
  /** The positional arguments' names, for the usage errors: exactly this many are required. */
  positionals: readonly string[];
}

/** A command's options and its positional arguments; undefined once --help has printed the help. */
export function readCommand<T extends Options>(line: CommandLine<T>, argv: string[], io: Io) {
  const { values, positionals: given } = parseCommand(line.name, argv, line.options);
  if ((values as { help?: boolean }).help) {
    println(io.stdout, line.help);
    return undefined;
  }
  return { values, args: positionals(line.name, given, line.positionals) };
}

/** An option's value as a number within [min, max] (an integer if asked), or the default when absent. */
export function numberOption(
  value: string | undefined,
  name: string,
  fallback: number,
  range: { min: number; max: number; integer?: boolean; openMin?: boolean; openMax?: boolean; float32?: boolean },
  command: string,
): number {
  if (value === undefined) return fallback;
  const n = parseCsvNumber(value) ?? NaN;
  const ok = Number.isFinite(range.float32 ? Math.fround(n) : n) && (!range.integer || Number.isInteger(n)) &&
    (range.openMin ? n > range.min : n >= range.min) && (range.openMax ? n < range.max : n <= range.max);
  if (!ok) {
    const kind = range.integer ? 'an integer' : 'a number';
    const from = range.openMin ? `greater than ${range.min}` : `from ${range.min}`;
    const to = range.max === Infinity ? ''
      : range.openMax ? ` up to but not including ${range.max}`
      : ` ${range.openMin ? 'and at most' : 'to'} ${range.max}`;
    const float32 = range.float32 && range.max === Infinity ? ' within float32 (about 3.4e38)' : '';
    throw new UsageError(`--${name} must be ${kind} ${from}${to}${float32}, got ${quoted(value)}`, command);
  }
  return n;
}

/** Hidden layer sizes from --layers (such as 64,32, or 'none' for no hidden layer), or the default when absent. */
export function layersOption(value: string | undefined, fallback: number[], command: string): number[] {
  if (value === undefined) return fallback;
  if (value.trim() === 'none' || value.trim() === '') return [];
  return value.split(',').map((part) => {
    const units = parseCsvNumber(part) ?? NaN;
    if (!Number.isInteger(units) || units < 1) {
      throw new UsageError(`--layers must be comma-separated unit counts such as 64,32 (or 'none'), got ${quoted(value)}`, command);
    }
    return units;
  });
}

/** An option's value from a fixed list, or the default when absent. */
export function choiceOption<T extends string>(
  value: string | undefined,
  name: string,
  choices: readonly T[],
  fallback: T,
  command: string,
): T {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got ${quoted(value)}`, command);
  }
  return value as T;
}

/** The options of every command that reads a CSV file. */
export const TABLE_OPTIONS = {
  header: { type: 'boolean' },
  'no-header': { type: 'boolean' },
  delimiter: { type: 'string' },
  'drop-missing': { type: 'boolean' },
} as const;

/** TABLE_OPTIONS' lines of a command's --help. */
export const TABLE_HELP = `      --header / --no-header whether the first line names the columns (default: detected)
      --delimiter <char>     field separator (default: guessed from the first line)
      --drop-missing         leave out rows with a missing value (empty, NA, NaN, ?, null) in
                             a column the command reads, instead of stopping at the first`;

/** How to read a table: readTable's options, and whether to drop rows with missing values. */
export interface TableOptions {
  header?: boolean;
  delimiter?: string;
  dropMissing: boolean;
}

/** TableOptions from TABLE_OPTIONS' values. */
export function tableOptions(
  values: { header?: boolean; 'no-header'?: boolean; delimiter?: string; 'drop-missing'?: boolean },
  command: string,
): TableOptions {
  if (values.header && values['no-header']) throw new UsageError('--header and --no-header contradict each other', command);
  if (values.delimiter !== undefined && ([...values.delimiter].length !== 1 || /["\r\n]/.test(values.delimiter))) {
    throw new UsageError(`--delimiter must be one character other than a quote or a line end, got ${quoted(values.delimiter)}`, command);
  }
  return {
    ...(values.header ? { header: true } : values['no-header'] ? { header: false } : {}),
    ...(values.delimiter === undefined ? {} : { delimiter: values.delimiter }),
    dropMissing: values['drop-missing'] ?? false,
  };
}
