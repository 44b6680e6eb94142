// Zod issues turned into what a person fixes: one line per problem, each with the place in the
// input written the way the input reads (`kernels.shapes[1][0]`) and a plain message
// ("expected a positive integer", "unknown key 'foo'"). The matrix loader and the job-spec
// parser share it, so a bad matrix file and a bad job from the queue read the same way.
import type * as z from 'zod';

export interface ValidationProblem {
  /** Where, as `key.key[index]`; '' for the input as a whole. */
  path: string;
  message: string;
}

/** A problem with its raw path, so a caller can point into a source file (line numbers). */
export interface LocatedProblem {
  segments: PropertyKey[];
  message: string;
  /** For an unknown key: the key itself (segments name the object holding it). */
  unknownKey?: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** `path: message`, with the whole input called "(top level)". */
export function formatProblem(problem: ValidationProblem): string {
  return `${problem.path === '' ? '(top level)' : problem.path}: ${problem.message}`;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value === 'object' ? 'mapping' : typeof value}`;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

function describeLiteral(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

/** Plain-English messages for every issue a schema does not word itself. */
export const humanErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'array' || issue.origin === 'set' || issue.origin === 'string') {
        if (min === 1 && !issue.exact) return 'must not be empty';
        const unit = issue.origin === 'string' ? 'characters' : 'entries';
        return issue.exact ? `must have exactly ${min} ${unit}` : `must have at least ${min} ${unit}`;
      }
      if (issue.inclusive === false && min === 0) return 'must be positive';
      return issue.inclusive === false ? `must be greater than ${min}` : `must be at least ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'array' || issue.origin === 'set' || issue.origin === 'string') {
        const unit = issue.origin === 'string' ? 'characters' : 'entries';
        return issue.exact ? `must have exactly ${max} ${unit}` : `must have at most ${max} ${unit}`;
      }
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${describeLiteral(issue.values[0])}`
        : `expected one of ${issue.values.map(describeLiteral).join(', ')}`;
    case 'unrecognized_keys': {
      // One line per key, in order; locateIssues splits them into one problem each.
      const known = knownKeysOf(issue.inst);
      return issue.keys.map((key) => unknownKeyMessage(key, known)).join('\n');
    }
    case 'invalid_union':
      {
        const options: unknown = (issue as { options?: unknown }).options;
        if (issue.discriminator !== undefined && Array.isArray(options)) {
          return `expected one of ${options.map(describeLiteral).join(', ')}`;
        }
      }
      return 'does not match any allowed form';
    case 'invalid_format':
      return issue.pattern ? `must match ${issue.pattern}` : `expected a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    default:
      return undefined;
  }
};

function knownKeysOf(schema: unknown): string[] {
  const shape = (schema as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

/** `unknown key 'paths'; did you mean 'path'?`, or the keys allowed there. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  if (known.length === 0) return `unknown key '${key}'`;
  const close = known
    .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
    .filter(({ candidate, distance }) => distance <= Math.max(1, Math.floor(candidate.length / 4)))
    .sort((a, b) => a.distance - b.distance)[0];
  return close
    ? `unknown key '${key}'; did you mean '${close.candidate}'?`
    : `unknown key '${key}'; expected one of ${known.join(', ')}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * A union's branch "does not fit" when everything wrong with it is the value itself being of
 * another form (a list where a mapping was wanted). When exactly one branch fits, its own
 * problems are the useful ones (`kernels.shapes[1][0]`, not "kernels: does not match").
 */
function branchFits(branch: readonly z.core.$ZodIssue[]): boolean {
  return !branch.every((issue) => issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value'));
}

export function locateIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): LocatedProblem[] {
  const out: LocatedProblem[] = [];
  for (const issue of issues) {
    const segments = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const lines = issue.message.split('\n');
      issue.keys.forEach((key, i) => {
        const line = lines.length === issue.keys.length ? lines[i]! : '';
        out.push({ segments, message: line.startsWith(`unknown key '${key}'`) ? line : `unknown key '${key}'`, unknownKey: key });
      });
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const fitting = issue.errors.filter(branchFits);
      if (fitting.length === 1) {
        out.push(...locateIssues(fitting[0]!, segments));
        continue;
      }
    }
    out.push({ segments, message: issue.message });
  }
  return out;
}

export function problemsFromIssues(issues: readonly z.core.$ZodIssue[]): ValidationProblem[] {
  return locateIssues(issues).map((p) => ({ path: formatPath(p.segments), message: p.message }));
}
