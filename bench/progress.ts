// Progress of a benchmark script on stderr: one rewritten line on a terminal, nothing otherwise
// (a log or a pipe gets the tables alone, not one long line of carriage returns).

export function showProgress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K  ${text}`);
}

export function clearProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}
