// What every command module provides, and where commands write: the process's
// stdout and stderr when run as `simdnet`, a test's buffers when run in-process.

/** A stream of text, such as process.stdout. */
export interface TextStream {
  write(text: string): unknown;
  /** Whether it is a terminal, where a progress bar can redraw in place. */
  readonly isTTY?: boolean;
}

/** The streams a command writes to. */
export interface Io {
  stdout: TextStream;
  stderr: TextStream;
}

/** A `simdnet <command>`: its one-line summary, its --help text, and the command itself. */
export interface Command {
  summary: string;
  help: string;
  /** Runs the command on its arguments; resolves to its exit code when that is not 0. */
  run(argv: string[], io: Io): Promise<number | void>;
}

/** Writes one line (a line end is added). */
export function println(stream: TextStream, line = ''): void {
  stream.write(`${line}\n`);
}
