// `simdnet bench`: runs the benchmark suite (bench/run.mjs in the source repository),
// passing every option on to it. The npm package does not ship the suite, so there the
// command only says where it runs.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, type Io, println } from './command.js';
import { CliError } from './errors.js';

const SUITE_HELP = `Runs simdnet's benchmark suite, bench/run.mjs: every workload, beside peer libraries,
in pinned child processes, then prints the tables and writes bench/results/latest.json.
Every option is passed on to the suite; its own are:

  --quick                    fewer repetitions
  --workload <ids>           comma-separated workloads (e.g. W1,W3)
  --library <ids>            comma-separated libraries, and gemm for the GEMM micro-benchmark
  -h, --help                 show this help and the suite's own`;

const FROM_A_CLONE = 'clone it, then run npm install && npx simdnet bench there';

/** Where a copy of simdnet rooted at `root` keeps its benchmark suite: a clone of the repository does, the npm package does not. */
export function findBenchSuite(root: string): string | undefined {
  const suite = join(root, 'bench', 'run.mjs');
  return existsSync(suite) ? suite : undefined;
}

/** The bench command of a copy of simdnet whose suite is at `suite`, or that has none. */
export function benchCommand(suite: string | undefined): Command {
  if (suite === undefined) {
    const help = `Usage: simdnet bench [options]\n\n${SUITE_HELP}\n\nThis copy of simdnet has no benchmark suite: ` +
      `it ships with simdnet's source repository, not with the npm package; ${FROM_A_CLONE}.`;
    return {
      summary: '(in a clone of the source repository only)',
      help,
      async run(argv: string[], io: Io) {
        if (!wantsHelp(argv)) {
          throw new CliError(`the benchmark suite runs from a clone of simdnet's source repository, not from the npm package; ${FROM_A_CLONE}`, 2);
        }
        println(io.stdout, help);
      },
    };
  }
  const help = `Usage: simdnet bench [options]\n\n${SUITE_HELP}`;
  return {
    summary: 'run the benchmark suite',
    help,
    async run(argv: string[], io: Io) {
      if (wantsHelp(argv)) println(io.stdout, `${help}\n\nThe suite says:`);
      return runSuite(suite, wantsHelp(argv) ? ['--help'] : argv);
    },
  };
}

function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

async function runSuite(suite: string, argv: string[]): Promise<number> {
  const child = spawn(process.execPath, [suite, ...argv], { stdio: 'inherit' });
  const forward = () => {}; // Ctrl-C reaches the child through the terminal; wait for it to finish.
  process.on('SIGINT', forward);
  try {
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', (error) => reject(new CliError(`cannot start the benchmark suite: ${error.message}`)));
      child.on('exit', (status, signal) => resolve(status ?? (signal ? 128 + 2 : 1)));
    });
    if (code !== 0) throw new CliError(`the benchmark suite failed (exit code ${code})`, code);
    return code;
  } finally {
    process.removeListener('SIGINT', forward);
  }
}
