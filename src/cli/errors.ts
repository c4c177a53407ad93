// The CLI's errors: each carries the exit code the process ends with, and its
// message is the one line the command prints.

/** An error to report in plain words, without a stack trace. */
export class CliError extends Error {
  override name = 'CliError';

  constructor(
    message: string,
    /** 1 for failed work (bad data, missing file), 2 for a command line that cannot be run. */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** An error in the command line itself: exit code 2, and the message points at --help. */
export class UsageError extends CliError {
  override name = 'UsageError';

  constructor(message: string, command?: string) {
    super(`${message}; see 'simdnet ${command ? `${command} ` : ''}--help'`, 2);
  }
}
