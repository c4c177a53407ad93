// Preloaded with `node --import` into a process whose peak resident set is wanted: on exit it
// writes the kernel's high-water mark to the file named by SIMDNET_PEAK_RSS_FILE. Read from
// inside the process, it needs no /usr/bin/time and sees exactly that process, not a wrapper.

import { writeFileSync } from 'node:fs';

const file = process.env.SIMDNET_PEAK_RSS_FILE;
if (file) {
  // maxRSS is in kilobytes; 'exit' also fires on process.exit(), which the CLI calls.
  process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
}
