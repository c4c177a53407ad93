// Reading and writing the CLI's files, with failures in plain words.

import { closeSync, createReadStream, existsSync, fstatSync, mkdirSync, openSync, readFileSync, type ReadStream, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TextStream } from './command.js';
import { CliError } from './errors.js';

/** A file's bytes. */
export function readBytes(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw readError(file, error);
  }
}

/** A file opened for reading as a stream of bytes, and its size; failing to open it is an error now, not when the stream starts. */
export function openFile(file: string): { stream: ReadStream; bytes: number } {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return { stream: createReadStream(file, { fd, highWaterMark: READ_CHUNK_BYTES }), bytes: stats.size };
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    throw readError(file, error);
  }
}

/** A file's size in bytes. */
export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch (error) {
    throw readError(file, error);
  }
}

/** Bytes read from a file at a time. */
const READ_CHUNK_BYTES = 1 << 20;

function readError(file: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code;
  return new CliError(code === 'ENOENT' ? `${file}: no such file` : `cannot read ${file}: ${reason(error)}`);
}

/** A file's text (UTF-8). */
export function readText(file: string): string {
  return readBytes(file).toString('utf8');
}

/** Whether a path names standard output rather than a file. */
function isStdout(file: string | undefined): file is undefined | '-' {
  return file === undefined || file === '-';
}

/** Writes text to a file, or to stdout when the file is undefined or '-'. */
export function writeText(file: string | undefined, text: string, stdout: TextStream): void {
  if (isStdout(file)) {
    stdout.write(text);
    return;
  }
  writeFile(file, text);
}

/** Writes text (UTF-8) or bytes to a file. */
export function writeFile(file: string, data: string | Uint8Array): void {
  try {
    writeFileSync(file, data);
  } catch (error) {
    throw new CliError(`cannot write ${file}: ${reason(error)}`);
  }
}

/** Makes a directory, and its parents, unless it exists. */
export function makeDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new CliError(`cannot make the directory ${dir}: ${reason(error)}`);
  }
}

/**
 * Fails now if a file could not be written later, so that a command does its work only when it
 * can keep the result: the file is opened for appending (and removed again if it was not there).
 */
export function expectWritable(file: string | undefined): void {
  if (isStdout(file)) return;
  const existed = existsSync(file);
  try {
    closeSync(openSync(file, 'a'));
    if (!existed) unlinkSync(file);
  } catch (error) {
    throw new CliError(`cannot write ${file}: ${reason(error)}`);
  }
}

// A file system error in words, without the call and path Node adds to its message.
function reason(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'its directory does not exist';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of its path is not a directory';
    case 'EEXIST':
      return 'a file of that name exists';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return (error as Error).message;
  }
}

/** The root of the simdnet package (or repository): the nearest directory above this module with a package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new CliError(`cannot find simdnet's package root from ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

/** A file of the simdnet package (or repository) by its path from the root. */
export function packageFile(relative: string): string {
  return join(packageRoot(), relative);
}
