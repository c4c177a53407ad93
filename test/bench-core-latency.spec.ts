// The bench's measure of how long a cache line takes to cross between two cores, and its line
// in the report.

import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { measureCoreToCore } from '../bench/core-latency.mjs';
import { coreToCoreLine } from '../bench/report.mjs';

describe('cache line between two cores', () => {
  it.skipIf(availableParallelism() < 2)('gives each repetition half a round trip, and their median', async () => {
    const { oneWayNs, reps } = await measureCoreToCore({ rounds: 500, reps: 3 });
    expect(reps).toHaveLength(3);
    for (const ns of reps) {
      expect(Number.isFinite(ns)).toBe(true);
      expect(ns).toBeGreaterThan(0);
    }
    expect([...reps].sort((a, b) => a - b)[1]).toBe(oneWayNs);
  });

  it('is reported in whole nanoseconds with the range of the repetitions, or why it is missing', () => {
    expect(coreToCoreLine({ oneWayNs: 222.4, reps: [253.1, 222.4, 215.7] })).toBe(
      'Cache line between two cores: 222 ns one way (half a round trip of a value two threads take turns to write; ' +
        'median of 3 repetitions, 216–253 ns).',
    );
    expect(coreToCoreLine({ error: 'timed out after 240 s' })).toBe('Cache line between two cores: unavailable: timed out after 240 s');
  });
});
