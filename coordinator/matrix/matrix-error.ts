// A matrix that cannot run: every problem found, each with its place in the file, so one edit
// fixes them all. The CLI prints the message and exits 2 (bad input) without writing anything.
import { formatProblem, type ValidationProblem } from '../../runner/protocol/validation-problems.js';

export interface MatrixProblem extends ValidationProblem {
  /** 1-based, where the source text could be mapped. */
  line?: number;
  column?: number;
}

export function formatMatrixProblem(problem: MatrixProblem): string {
  const where = problem.line !== undefined ? `line ${problem.line}, column ${problem.column ?? 1}` : undefined;
  if (problem.path === '' && where) return `${where}: ${problem.message}`;
  return where ? `${formatProblem(problem)} (${where})` : formatProblem(problem);
}

export class MatrixError extends Error {
  override name = 'MatrixError';
  readonly code = 'ERR_BITBENCH_MATRIX';
  /** Bad input: the CLI's exit status for it. */
  readonly exitCode = 2;

  constructor(
    /** The file (or other source) the matrix came from. */
    readonly source: string,
    readonly problems: MatrixProblem[],
    headline = `Invalid matrix ${source}`,
  ) {
    super(
      `${headline} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${formatMatrixProblem(p)}`).join('\n'),
    );
  }
}
