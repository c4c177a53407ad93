// Reading and writing the CLI's files, with failures in plain words.

import { readFileSync, writeFileSync } from 'node:fs';
import { CliError } from './errors.js';

/** A file's text (UTF-8). */
export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${file}: no such file` : `cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Writes text to a file, or to stdout when the file is undefined or '-'. */
export function writeText(file: string | undefined, text: string): void {
  if (file === undefined || file === '-') {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(file, text);
  } catch (error) {
    throw new CliError(`cannot write ${file}: ${(error as Error).message}`);
  }
}
