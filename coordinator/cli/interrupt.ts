// Ctrl-C ends every command with status 130, what a shell reports for a SIGINT death, whether
// or not the command does something first. A command that stops gracefully (after the job in
// flight, closing a server) takes Ctrl-C over with takeInterrupt and still exits 130.
import { EXIT_INTERRUPTED } from './cli-error.js';

const exitNow = () => process.exit(EXIT_INTERRUPTED);

/** Until a command takes it over, Ctrl-C exits at once with 130. */
export function exitOnInterrupt(): void {
  process.off('SIGINT', exitNow);
  process.on('SIGINT', exitNow);
}

/**
 * Replaces the default: `onInterrupt` runs on each Ctrl-C and the exit status becomes 130.
 * Returns the function that gives Ctrl-C back to the default.
 */
export function takeInterrupt(onInterrupt: (count: number) => void): () => void {
  let count = 0;
  const handler = () => {
    process.exitCode = EXIT_INTERRUPTED;
    onInterrupt(++count);
  };
  process.off('SIGINT', exitNow);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGINT', handler);
    exitOnInterrupt();
  };
}
