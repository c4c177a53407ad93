// The benchmark of `simdnet train` on a file larger than memory (bench/large-file.mjs), on
// files of a few MB: it writes the rows it says, the CLI reads them all, each run's peak
// resident set is read, and the streamed run learns. Nothing here is timed.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { measureLargeFile, writeLargeCsv } from '../bench/large-file.mjs';

const dir = mkdtempSync(join(tmpdir(), 'simdnet-bench-large-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench/large-file.mjs', () => {
  it('writes the seeded file it reports: its size, its rows, the same bytes for the same seed', async () => {
    const path = join(dir, 'a.csv');
    const written = await writeLargeCsv(path, 300_000);
    const text = readFileSync(path, 'utf8');
    expect(written.bytes).toBe(Buffer.byteLength(text));
    expect(written.bytes).toBeGreaterThanOrEqual(300_000);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(written.rows + 1);
    expect(lines[0]!.split(',')).toHaveLength(33);
    expect(lines.slice(1).every((line) => /^(-?\d\.\d{4},){32}[0-3]$/.test(line))).toBe(true);
    // Four classes of about a quarter each: chance is about 25 %.
    for (const share of written.classShares) expect(share).toBeGreaterThan(0.2);
    const again = join(dir, 'b.csv');
    await writeLargeCsv(again, 300_000);
    expect(readFileSync(again, 'utf8')).toBe(text);
  });

  it('trains the CLI on a file streamed and held whole and reports sane figures', async () => {
    const before = new Set(readdirSync(tmpdir()));
    const result = await measureLargeFile({ largeBytes: 4e6, smallBytes: 1e6 });
    expect(result.totalBytes).toBeGreaterThan(0);
    expect(result.freeBytes).toBeGreaterThan(0);
    expect(result.freeBytes).toBeLessThanOrEqual(result.totalBytes);
    // The process with the CLI loaded: tens of MB.
    expect(result.baselineRssBytes).toBeGreaterThan(20 * 2 ** 20);
    expect(result.runs.map((r) => `${r.label} ${r.mode}`)).toEqual(['large stream', 'small stream', 'small whole']);
    for (const run of result.runs) {
      expect(run.error).toBeUndefined();
      expect(run.fileBytes).toBeGreaterThanOrEqual(run.label === 'large' ? 4e6 : 1e6);
      expect(run.rowsRead).toBe(run.rows);
      expect(run.rows).toBeGreaterThan(run.fileBytes / 300);
      // Bytes, above the process with nothing read (it loads wasm and reads rows), below a GB.
      expect(Number.isInteger(run.peakRssBytes)).toBe(true);
      expect(run.peakRssBytes).toBeGreaterThan(result.baselineRssBytes!);
      expect(run.peakRssBytes).toBeLessThan(1e9);
      expect(run.seconds).toBeGreaterThan(0);
      expect(run.rowsPerSecond).toBeCloseTo(run.rows / run.seconds);
      expect(run.trainSeconds).toBeGreaterThan(0);
    }
    // One epoch over about 16,000 rows learns well above the 25 % of four balanced classes.
    const large = result.runs[0]!;
    expect(large.accuracy).toBeGreaterThan(0.4);
    // The temporary files are gone.
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith('simdnet-large-file-') && !before.has(name))).toEqual([]);
  });
});
