// A parsed matrix file (any JSON value) checked against the schema, then against what only the
// whole matrix shows (an exclude that removes everything, a prompt the model cannot hold),
// so that nothing runs until the file is right, and every problem is reported at once.
import { MODEL_PRESETS } from '../../runner/model-config.js';
import { resolveRepetitions, type RepetitionOverrides } from '../../runner/protocol/job-spec.js';
import {
  formatPath,
  humanErrorMap,
  locateIssues,
  type LocatedProblem,
} from '../../runner/protocol/validation-problems.js';
import {
  isExcluded,
  kernelCombinations,
  kernelProductSize,
  matchesExclude,
  modelCombinations,
  modelProductSize,
  type ModelCombination,
} from './matrix-combinations.js';
import { MatrixError, type MatrixProblem } from './matrix-error.js';
import { matrixSchema, sectionList, type KernelExclude, type Matrix, type ModelExclude } from './matrix-schema.js';

/** Maps a place in the parsed value back to the source text (1-based), where it can. */
export type MatrixLocator = (
  segments: readonly PropertyKey[],
  unknownKey?: string,
) => { line: number; column: number } | undefined;

/**
 * More jobs than this (before excludes, over all instance types) is a mistake in a matrix, not
 * a benchmark: at a few seconds a job it would run for days.
 */
export const MAX_MATRIX_JOBS = 100_000;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The validated matrix (defaults filled in); else a MatrixError listing every problem. */
export function validateMatrix(raw: unknown, source: string, locate?: MatrixLocator): Matrix {
  const problems: LocatedProblem[] = [];
  if (raw === null || raw === undefined) {
    problems.push({ segments: [], message: 'is empty: a matrix needs a kernels or a models section' });
  } else {
    const result = matrixSchema.safeParse(raw, { error: humanErrorMap });
    if (isPlainObject(raw) && raw.kernels === undefined && raw.models === undefined) {
      problems.push({ segments: [], message: 'must have a kernels or a models section (or both)' });
    }
    if (!result.success) problems.push(...locateIssues(result.error.issues));
    // Whole-matrix checks need typed values, so they wait until the schema passes.
    else if (problems.length === 0) problems.push(...wholeMatrixProblems(result.data, raw as Record<string, unknown>));
    if (problems.length === 0 && result.success) return result.data;
  }
  const located: MatrixProblem[] = problems.map((problem) => ({
    path: formatPath(problem.segments),
    message: problem.message,
    // "line 1, column 1" says nothing about a problem with the whole file; an unknown key's line does.
    ...(problem.segments.length > 0 || problem.unknownKey !== undefined ? locate?.(problem.segments, problem.unknownKey) : undefined),
  }));
  // File order reads best; problems that could not be placed keep their order, last.
  const ordered = located
    .map((problem, index) => ({ problem, index }))
    .sort((a, b) => (a.problem.line ?? Infinity) - (b.problem.line ?? Infinity) || a.index - b.index)
    .map(({ problem }) => problem);
  throw new MatrixError(source, ordered);
}

/** Where section i of `field` sits: `kernels` when the file has one section, else `kernels[i]`. */
function sectionSegments(raw: Record<string, unknown>, field: 'kernels' | 'models', index: number): PropertyKey[] {
  return Array.isArray(raw[field]) ? [field, index] : [field];
}

function repetitionProblems(
  segments: PropertyKey[],
  own: RepetitionOverrides | undefined,
  ...under: (RepetitionOverrides | undefined)[]
): LocatedProblem[] {
  // Reported once, where the offending value is set.
  if (own?.minSamples === undefined && own?.maxSamples === undefined) return [];
  const policy = resolveRepetitions(...under, own);
  if (policy.minSamples <= policy.maxSamples) return [];
  const field = own.minSamples !== undefined ? 'minSamples' : 'maxSamples';
  return [{
    segments: [...segments, 'repetitions', field],
    message: `minSamples (${policy.minSamples}) must not exceed maxSamples (${policy.maxSamples})`,
  }];
}

function excludeProblems(
  segments: PropertyKey[],
  excludes: readonly (KernelExclude | ModelExclude)[] | undefined,
  matched: number[],
  kept: number,
): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  if (kept === 0) problems.push({ segments, message: 'every combination is excluded: this section would run nothing' });
  excludes?.forEach((_, j) => {
    if (matched[j] === 0) {
      problems.push({ segments: [...segments, 'exclude', j], message: 'excludes nothing: no combination of the axes matches it' });
    }
  });
  return problems;
}

/**
 * `bitbench model`'s rule: a window that, with its global tokens, covers every position below
 * the context (or the prompt, without one) drops nothing, so it measures dense attention under
 * another name. llama.cpp combinations make no job (expand-matrix.ts), so they are not checked.
 */
function windowProblem(combination: ModelCombination, index: number, at: PropertyKey[]): { index: number; problem: LocatedProblem } | undefined {
  const setting = combination.attentionSparsity;
  if (combination.engine === 'llama.cpp' || setting === 'none' || setting.mode !== 'window') return undefined;
  const context = combination.context ?? combination.prompt;
  if (setting.window + setting.global < context) return undefined;
  const where = combination.context === undefined ? `the prompt (${context}) with no context axis` : `the context (${context})`;
  return {
    index,
    problem: {
      segments: [...at, 'attentionSparsity', index, 'window'],
      message: `${setting.window} plus ${setting.global} global tokens keeps every position below ${where}; use a smaller window or a longer context`,
    },
  };
}

function wholeMatrixProblems(matrix: Matrix, raw: Record<string, unknown>): LocatedProblem[] {
  const problems: LocatedProblem[] = [...repetitionProblems([], matrix.repetitions)];
  const kernels = sectionList(matrix.kernels);
  const models = sectionList(matrix.models);

  const perInstance = kernels.reduce((sum, s) => sum + kernelProductSize(s), 0) + models.reduce((sum, s) => sum + modelProductSize(s), 0);
  const total = perInstance * matrix.instanceTypes.length;
  if (total > MAX_MATRIX_JOBS) {
    problems.push({ segments: [], message: `expands to ${total} jobs before excludes; at most ${MAX_MATRIX_JOBS} are allowed` });
    return problems;
  }

  kernels.forEach((section, i) => {
    const at = sectionSegments(raw, 'kernels', i);
    problems.push(...repetitionProblems(at, section.repetitions, matrix.repetitions));
    if (section.sparsityPattern !== undefined && section.sparsity === undefined) {
      problems.push({ segments: [...at, 'sparsityPattern'], message: 'needs sparsity (the fractions zeroed)' });
    }
    const matched = (section.exclude ?? []).map(() => 0);
    let kept = 0;
    for (const combination of kernelCombinations(section)) {
      section.exclude?.forEach((entry, j) => {
        if (matchesExclude(combination, entry)) matched[j]!++;
      });
      if (!isExcluded(combination, section.exclude)) kept++;
    }
    problems.push(...excludeProblems(at, section.exclude, matched, kept));
  });

  models.forEach((section, i) => {
    const at = sectionSegments(raw, 'models', i);
    const matched = (section.exclude ?? []).map(() => 0);
    let kept = 0;
    const tooLong = new Set<string>();
    // Keyed by the window's place in the axis, so each window is reported once (at the first context it covers).
    const windowTooWide = new Map<number, LocatedProblem>();
    for (const combination of modelCombinations(section)) {
      section.exclude?.forEach((entry, j) => {
        if (matchesExclude(combination, entry)) matched[j]!++;
      });
      if (isExcluded(combination, section.exclude)) continue;
      kept++;
      const { preset, prompt, tokens } = combination;
      const positions = MODEL_PRESETS[preset].maxPositions;
      if (prompt + tokens > positions) tooLong.add(`prompt ${prompt} + tokens ${tokens} exceeds ${preset}'s ${positions} positions`);
      const tooWide = windowProblem(combination, section.attentionSparsity.indexOf(combination.attentionSparsity), at);
      if (tooWide && !windowTooWide.has(tooWide.index)) windowTooWide.set(tooWide.index, tooWide.problem);
    }
    problems.push(...excludeProblems(at, section.exclude, matched, kept));
    for (const message of tooLong) problems.push({ segments: [...at, 'tokens'], message });
    problems.push(...[...windowTooWide.entries()].sort(([a], [b]) => a - b).map(([, problem]) => problem));
  });
  return problems;
}
