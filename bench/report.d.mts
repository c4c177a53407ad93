// Types for the part of report.mjs that tests import.

import type { CoreToCore } from './core-latency.mjs';

/** The report's line for bench/core-latency.mjs's measure, or for why it is missing. */
export function coreToCoreLine(result: CoreToCore | { error: string }): string;
