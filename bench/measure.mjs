// Timing and statistics: warm-up, then repetitions of at least a minimum time,
// each made of calls whose size was calibrated during warm-up.

/** Full runs: ≥ 5 repetitions of ≥ 1 s. Quick runs trade precision for time. */
export const PROFILES = {
  full: { reps: 5, minRepSeconds: 1, warmupSeconds: 0.4, warmupCalls: 2 },
  quick: { reps: 3, minRepSeconds: 0.1, warmupSeconds: 0.05, warmupCalls: 1 },
};

const now = () => performance.now() / 1000;

/**
 * Warm-up calls of run(units), for at least profile.warmupSeconds and profile.warmupCalls,
 * growing `units` until one call takes about a quarter of a repetition, so a repetition
 * overshoots its minimum by little while the clock is read rarely. Returns that `units`.
 */
export async function calibrate(run, profile) {
  let units = 1;
  const warmupEnd = now() + profile.warmupSeconds;
  for (let calls = 0; calls < profile.warmupCalls || now() < warmupEnd; calls++) {
    const t0 = now();
    await run(units);
    const seconds = now() - t0;
    const aimed = seconds > 0 ? Math.floor((units * profile.minRepSeconds) / 4 / seconds) : units * 8;
    units = Math.max(1, Math.min(aimed, units * 8));
  }
  return units;
}

/** One repetition: calls of run(units) until profile.minRepSeconds have passed; items per second. */
export async function repetition(run, units, profile) {
  let items = 0;
  const t0 = now();
  let elapsed = 0;
  while (elapsed < profile.minRepSeconds) {
    items += await run(units);
    elapsed = now() - t0;
  }
  return items / elapsed;
}

/** Median, min and max of a list of rates, and the list itself. */
export function summarize(rates) {
  const sorted = [...rates].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1), reps: rates };
}
