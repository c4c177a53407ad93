// Soak: thousands of networks created, trained and disposed in a child process
// (node --expose-gc, on the built dist/), whose memory must level off after warm-up;
// networks refused for size along the way must not disturb a live one.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const MiB = 2 ** 20;

interface SoakReport {
  cycles: number;
  warm: { rss: number; external: number };
  after: { rss: number; external: number };
  sizeErrors: number;
  otherErrors: string[];
  liveUnchanged: boolean;
  liveTrains: boolean;
  ms: number;
}

describe('soak', () => {
  it('3000 networks created, trained and disposed: memory stays bounded and a live network is unaffected', async () => {
    if (!existsSync(`${root}dist/index.js`)) {
      throw new Error('dist/ is missing: the soak test runs on the built library; run `npm run build` (npm ci does it through prepare)');
    }
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', 'test/soak/child.mjs', '3000'], {
      cwd: root, timeout: 60_000,
    });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as SoakReport;
    expect(report.cycles).toBe(3000);
    // A leaked network keeps at least 64 KiB of wasm memory: 3000 of them would be ~200 MiB of external memory.
    expect(report.after.external - report.warm.external).toBeLessThan(8 * MiB);
    expect(report.after.rss - report.warm.rss).toBeLessThan(96 * MiB);
    expect(report.sizeErrors).toBe(12);
    expect(report.otherErrors).toEqual([]);
    expect(report.liveUnchanged).toBe(true);
    expect(report.liveTrains).toBe(true);
  }, 70_000);
});
