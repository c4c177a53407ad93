// The simdnet command: `simdnet <command> [options]`, one module per command. runCli
// runs it on any streams and answers the exit code, so tests run it in-process.

import { readFileSync } from 'node:fs';
import { SimdnetError } from '../index.js';
import { escaped, quoted } from '../text.js';
import { benchCommand, findBenchSuite } from './bench.js';
import { type Command, type Io, println } from './command.js';
import * as demo from './demo.js';
import { CliError, UsageError } from './errors.js';
import * as evaluate from './evaluate.js';
import * as exportModel from './export.js';
import { packageFile, packageRoot } from './files.js';
import * as importModel from './import.js';
import * as predict from './predict.js';
import * as train from './train.js';

const COMMANDS: Record<string, Command> = {
  train,
  predict,
  evaluate,
  export: exportModel,
  import: importModel,
  demo,
  bench: benchCommand(findBenchSuite(packageRoot())),
};
const NAMES = Object.keys(COMMANDS).join(', ');

const HELP = `Usage: simdnet <command> [options]

Trains and runs fully-connected neural networks on CSV files.

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`).join('\n')}

Options:
  -h, --help     show this help (or a command's: simdnet train --help)
  -v, --version  show simdnet's version

Example:
  simdnet train iris.csv --target species --save model.json
  simdnet predict model.json new-flowers.csv > predictions.csv
  simdnet evaluate model.json iris.csv
  simdnet export model.json --format onnx -o model.onnx`;

function version(): string {
  return (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
}

async function dispatch(argv: string[], io: Io): Promise<number | void> {
  const [name, ...rest] = argv;
  if (name === undefined) throw new CliError(`no command given; the commands are ${NAMES} (see 'simdnet --help')`, 2);
  if (name === '--help' || name === '-h' || name === 'help') {
    println(io.stdout, HELP);
    return;
  }
  if (name === '--version' || name === '-v') {
    println(io.stdout, version());
    return;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) throw new UsageError(`unknown command ${quoted(name)}; the commands are ${NAMES}`);
  return command.run(rest, io);
}

/**
 * Runs `simdnet` with its arguments (the command name first) and answers its exit code.
 * Every error the command expects is one line on stderr; anything else is a bug, reported with
 * its stack, which is what a bug report needs.
 */
export async function runCli(argv: string[], io: Io): Promise<number> {
  try {
    return (await dispatch(argv, io)) ?? 0;
  } catch (error) {
    if (error instanceof CliError || error instanceof SimdnetError) {
      println(io.stderr, `simdnet: ${escaped(error.message)}`);
      return error instanceof CliError ? error.exitCode : 1;
    }
    println(io.stderr, `simdnet: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}
