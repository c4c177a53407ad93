// The simdnet command: `simdnet <command> [options]`, one module per command.

import { readFileSync } from 'node:fs';
import { SimdnetError } from '../index.js';
import * as bench from './bench.js';
import * as demo from './demo.js';
import { CliError, UsageError } from './errors.js';
import * as evaluate from './evaluate.js';
import * as exportModel from './export.js';
import * as importModel from './import.js';
import * as predict from './predict.js';
import * as train from './train.js';

interface Command {
  summary: string;
  help: string;
  run(argv: string[]): Promise<void>;
}

const COMMANDS: Record<string, Command> = { train, predict, evaluate, export: exportModel, import: importModel, demo, bench };

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
  simdnet evaluate model.json iris.csv`;

function version(): string {
  const file = new URL('../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name !== undefined) {
      console.log(HELP);
      return;
    }
    process.stderr.write(`${HELP}\n`);
    process.exitCode = 2;
    return;
  }
  if (name === '--version' || name === '-v') {
    console.log(version());
    return;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) throw new UsageError(`unknown command '${name}'; the commands are ${Object.keys(COMMANDS).join(', ')}`);
  await command.run(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof CliError || error instanceof SimdnetError) {
    process.stderr.write(`simdnet: ${error.message}\n`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  } else {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`simdnet: unexpected error: ${detail}\n`);
    process.exitCode = 1;
  }
});
