// A one-line progress bar on stderr: redrawn in place on a terminal; on a file
// or pipe, a plain line every tenth of the way.

import type { TextStream } from './command.js';

const BAR_WIDTH = 24;
const REDRAW_MS = 100;

export interface Progress {
  /** Shows how far the work is (0..1) with a short status text. */
  update(fraction: number, text: string): void;
  /** Prints a line above the bar. */
  log(line: string): void;
  /** Removes the bar. */
  done(): void;
}

/** A progress bar on the stream (stderr, usually); silent when quiet. */
export function progressBar(stream: TextStream, options: { quiet?: boolean } = {}): Progress {
  if (options.quiet) return { update() {}, log() {}, done() {} };
  const tty = Boolean(stream.isTTY);
  let lastDraw = 0;
  let lastTenth = -1;
  let shown = 0;
  const clear = () => {
    if (shown > 0) stream.write(`\r${' '.repeat(shown)}\r`);
    shown = 0;
  };
  return {
    update(fraction, text) {
      const f = Math.min(Math.max(fraction, 0), 1);
      const percent = `${String(Math.round(f * 100)).padStart(3)}%`;
      if (!tty) {
        const tenth = Math.floor(f * 10);
        if (tenth > lastTenth) stream.write(`${percent} ${text}\n`);
        lastTenth = Math.max(lastTenth, tenth);
        return;
      }
      const now = performance.now();
      if (now - lastDraw < REDRAW_MS && f < 1) return;
      lastDraw = now;
      const filled = Math.round(f * BAR_WIDTH);
      const line = `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${percent} ${text}`;
      clear();
      stream.write(line);
      shown = line.length;
    },
    log(line) {
      clear();
      stream.write(`${line}\n`);
      lastDraw = 0;
    },
    done() {
      clear();
    },
  };
}
