// The CLI's view of the error module: library code imports runner/errors.ts directly (never
// this folder); commands import from here. Usage errors (a bad flag or value) exit 2, failures
// while running exit 1, Ctrl-C 130.
export { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, exitCodeFor, isUsageError, UsageError } from '../../runner/errors.js';
