// `simdnet bench`: runs the benchmark suite (bench/run.mjs in the source repository),
// passing every option on to it.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CliError } from './errors.js';

export const summary = 'run the benchmark suite (in a clone of the source repository)';

export const help = `Usage: simdnet bench [options]

Runs simdnet's benchmark suite, bench/run.mjs: every workload, beside peer libraries,
in pinned child processes, then prints the tables and writes bench/results/latest.json.
The suite lives in the source repository, not in the npm package: run this from a
clone (after npm install). Every option is passed on to the suite; its own are:

  --quick                    fewer repetitions
  --workload <ids>           comma-separated workloads (e.g. W1,W3)
  --library <ids>            comma-separated libraries, and gemm for the GEMM micro-benchmark
  -h, --help                 show this help and the suite's own`;

/** Where the suite is: beside dist/ in the package root. */
const SUITE = fileURLToPath(new URL('../bench/run.mjs', import.meta.url));

export async function run(argv: string[]): Promise<void> {
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (wantsHelp) console.log(help);
  if (!existsSync(SUITE)) {
    if (wantsHelp) return;
    throw new CliError(
      `the benchmark suite is not here (looked for ${SUITE}): it ships with simdnet's source repository, ` +
        'not with the npm package. Clone the repository, run npm install, then npx simdnet bench.',
    );
  }
  if (wantsHelp) console.log('\nThe suite says:');
  const child = spawn(process.execPath, [SUITE, ...(wantsHelp ? ['--help'] : argv)], { stdio: 'inherit' });
  const forward = () => {}; // Ctrl-C reaches the child through the terminal; wait for it to finish.
  process.on('SIGINT', forward);
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', (error) => reject(new CliError(`cannot start the benchmark suite: ${error.message}`)));
    child.on('exit', (status, signal) => resolve(status ?? (signal ? 128 + 2 : 1)));
  });
  process.removeListener('SIGINT', forward);
  if (code !== 0) throw new CliError(`the benchmark suite failed (exit code ${code})`, code);
}
