// Reading and writing the CLI's files, with failures in plain words.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** A file of the simdnet package (or repository) by its path from the root: found by walking up to package.json. */
export function packageFile(relative: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new CliError(`cannot find simdnet's package root from ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return join(dir, relative);
}
