// The headless Chrome or Chromium that the browser tests drive through playwright-core: found
// and launched by scripts/chromium.mjs, which the benchmark's browser peers share.

export { BROWSER_MISSING, launchBrowser } from '../../scripts/chromium.mjs';
