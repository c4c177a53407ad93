import { spawnSync } from 'node:child_process';
import { defineConfig } from 'vitest/config';
import { relaxedSimdSupported } from './src/wasm/load.js';

// Node 20 runs relaxed SIMD only behind this flag; the test workers get it when this node
// accepts it, so the opt-in relaxed build is tested too (test/relaxed.spec.ts checks the
// clear error where the engine lacks it). Later Node versions need no flag.
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
const nodeAccepts = (flag: string): boolean => spawnSync(process.execPath, [flag, '-e', '0']).status === 0;

// The slow tests of the whole: the built package and CLI in child processes, bundlers, the
// browser, MNIST, a soak, gigabytes of wasm memory. `npm run test:unit` (project 'unit') runs
// everything else.
const INTEGRATION = [
  'demo', 'packaging', 'playground', 'soak', 'cli', 'cli-*', 'high-addresses', 'threads-process', 'bench-browser', 'bench-large-file',
].map((name) => `test/${name}.spec.ts`);

export default defineConfig({
  test: {
    testTimeout: 60_000,
    // The threaded build, which the main entry reads from dist/ in Node, from the entry that embeds it.
    setupFiles: ['test/support/threads.ts'],
    execArgv: !relaxedSimdSupported() && nodeAccepts(RELAXED_FLAG) ? [RELAXED_FLAG] : [],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.spec.ts'], exclude: INTEGRATION } },
      { extends: true, test: { name: 'integration', include: INTEGRATION } },
    ],
  },
});
