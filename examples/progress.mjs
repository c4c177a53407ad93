// A one-line progress bar on stderr: redrawn in place on a terminal, and
// reduced to a plain line every tenth of the way when stderr is a file or a pipe.

const WIDTH = 24;
const REDRAW_MS = 100;

/** A progress bar: update(fraction, text) as work proceeds, log(line) to print above it, done() at the end. */
export function progressBar(stream = process.stderr) {
  const tty = Boolean(stream.isTTY);
  let lastDraw = 0;
  let lastTenth = -1;
  let shown = '';
  const clear = () => {
    if (shown) stream.write(`\r${' '.repeat(shown.length)}\r`);
    shown = '';
  };
  return {
    update(fraction, text) {
      const f = Math.min(Math.max(fraction, 0), 1);
      if (!tty) {
        const tenth = Math.floor(f * 10);
        if (tenth > lastTenth) stream.write(`${Math.round(f * 100)}% ${text}\n`);
        lastTenth = Math.max(lastTenth, tenth);
        return;
      }
      const now = performance.now();
      if (now - lastDraw < REDRAW_MS && f < 1) return;
      lastDraw = now;
      const filled = Math.round(f * WIDTH);
      const line = `[${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}] ${String(Math.round(f * 100)).padStart(3)}% ${text}`;
      clear();
      stream.write(line);
      shown = line;
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
