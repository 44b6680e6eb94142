// The errors library code raises for the CLI (and the worker) to act on. Library modules throw
// these and never know about exit codes' callers; only coordinator/cli/ maps them to a status.
// Everything here is plain data so it loads in no time and crosses a process boundary as
// { name, code, message }.

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** What a shell reports for a process ended by Ctrl-C (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** Bad input from the user (a flag, a value, a file's content): exit 2, the message as written. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly code: string = 'ERR_BITBENCH_USAGE';
  readonly exitCode = EXIT_USAGE;
}

/** The exit status for an error: 2 for bad input (an exitCode of 2, or parseArgs' own), else 1. */
export function exitCodeFor(error: unknown): number {
  const { exitCode, code } = (error ?? {}) as { exitCode?: unknown; code?: unknown };
  if (exitCode === EXIT_USAGE) return EXIT_USAGE;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return EXIT_USAGE;
  return EXIT_FAILURE;
}

/** Whether the error is bad input, whose message is shown whole (it may list several problems). */
export function isUsageError(error: unknown): boolean {
  return exitCodeFor(error) === EXIT_USAGE;
}

// Failures that are facts about the job or the machine, so another attempt would fail the same
// way and only burn time: an ISA this CPU lacks, a run the memory guard refuses, model
// dimensions that do not validate. A queue job failing with one of these fails at once.
export const UNRECOVERABLE_ERROR_CODES: readonly string[] = [
  'ERR_BITBENCH_ISA_UNSUPPORTED',
  'ERR_BITBENCH_MEMORY_GUARD',
  'ERR_BITBENCH_MODEL_CONFIG',
  'ERR_BITBENCH_USAGE',
];

export function isUnrecoverableCode(code: string | undefined): boolean {
  return code !== undefined && UNRECOVERABLE_ERROR_CODES.includes(code);
}
