// Types for scripts/chromium.mjs, which the browser tests import.

import type { Browser } from 'playwright-core';

/** Why no browser can be launched here, or undefined when one was found. */
export const BROWSER_MISSING: string | undefined;

/** Launches the browser found, headless, with the flags this machine needs. */
export function launchBrowser(): Promise<Browser>;
