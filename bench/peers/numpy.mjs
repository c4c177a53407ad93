// numpy + its BLAS (OpenBLAS in the usual wheels) as a reference: the same MLP in a python3
// child that answers one command per line, so the common timing loop drives it like any peer.
// The pipe's round trip costs microseconds against calls calibrated to a quarter second.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { INFER_BLOCK } from '../workloads.mjs';

const SCRIPT = new URL('./numpy_mlp.py', import.meta.url).pathname;

/** Why numpy cannot run here, or null when it can. */
export function unavailableReason() {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.error) return `python3 not found (${probe.error.code})`;
  return probe.status === 0 ? null : 'python3 cannot import numpy';
}

export async function setup(workload, data, variant) {
  const dir = mkdtempSync(join(tmpdir(), 'simdnet-bench-'));
  const [xPath, yPath] = [join(dir, 'x.f32'), join(dir, 'y.f32')];
  writeFileSync(xPath, data.x);
  writeFileSync(yPath, data.y);
  // As many BLAS threads as the variant's cores (the process is pinned to that many).
  const threads = String(variant.threads);
  const child = spawn('python3', [SCRIPT, JSON.stringify({ ...workload, inferBlock: INFER_BLOCK }), xPath, yPath], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, OPENBLAS_NUM_THREADS: threads, OMP_NUM_THREADS: threads, MKL_NUM_THREADS: threads },
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ask = async (command) => {
    child.stdin.write(`${command}\n`);
    const { value, done } = await lines.next();
    if (done) throw new Error(`numpy child exited (code ${child.exitCode}) before answering '${command}'`);
    const answer = JSON.parse(value);
    if (answer.error) throw new Error(`numpy child: ${answer.error}`);
    return answer;
  };
  return {
    trainChunk: async (batches) => (await ask(`train ${batches}`)).rows,
    infer: async (batches) => (await ask(`infer ${batches}`)).rows,
    inferBulk: async (blocks) => (await ask(`bulk ${blocks}`)).rows,
    // The work happens in the python process, so its peak RSS is the one that matters.
    stats: () => ask('stats'),
    dispose() {
      child.stdin.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
