// A reader that goes away early (`bitbench export | head`, a closed terminal) must not turn
// into a crash: Node reports the failed write (EPIPE) as an 'error' event on stdout, and an
// unhandled one prints a stack trace and exits 1 — in the middle of a run, before its results
// are stored. Output to a closed reader is dropped instead and the command finishes: what it
// stores it still stores, and its exit status says how the command went, not the pipe.

const closedCodes = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

function dropWhenClosed(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== undefined && closedCodes.has(error.code)) return;
    throw error;
  });
}

/** From now on, stdout and stderr whose reader has closed swallow what is written to them. */
export function dropOutputToClosedReaders(): void {
  dropWhenClosed(process.stdout);
  dropWhenClosed(process.stderr);
}
