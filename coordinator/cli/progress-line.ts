// Progress of long work on stderr: one rewritten line on a terminal, nothing otherwise (so
// piped output and --json stay clean).
import { terminalLine } from '../../reports/text-safety/terminal-text.js';

export function progressLine(label: string, stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let last = 0;
  return {
    update(done: number, total: number) {
      if (!stream.isTTY) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const elapsed = (now - started) / 1000;
      const eta = done > 0 ? (elapsed * (total - done)) / done : NaN;
      const etaText = Number.isFinite(eta) ? `, about ${eta.toFixed(0)} s left` : '';
      stream.write(`\r${terminalLine(label)}: ${done}/${total} tokens (${elapsed.toFixed(0)} s${etaText})   `);
    },
    done() {
      if (stream.isTTY) stream.write('\r' + ' '.repeat(78) + '\r');
    },
  };
}
