// Errors the CLI reports as one line on stderr. Usage errors (a bad flag or value) exit 2,
// failures while running exit 1.
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
