// The `simdnet` executable (dist/cli.js): runCli on the process's arguments and streams.

import { runCli } from './cli.js';

// A reader that stops reading (simdnet predict … | head) has taken all it wanted: end quietly,
// as if the output had been written.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
