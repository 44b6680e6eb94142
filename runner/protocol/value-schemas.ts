// The small schemas jobs and matrices are built from, each with its own wording, so a bad value
// reads the same wherever it appears ("expected a positive integer").
import * as z from 'zod';
import { ACTIVATION_SPARSITY_MODES, ATTENTION_SPARSITY_MODES, CACHE_MODES, ENGINE_NAMES, ISA_NAMES, KV_DTYPES, KV_FILLS, MAX_CONTEXT, LLAMA_QUANTS, LM_HEAD_DTYPES, PATH_NAMES, PRESET_NAMES, SPARSITY_PATTERNS } from './names.js';
import { describeValue } from './validation-problems.js';

type RawIssue = z.core.$ZodRawIssue;

/**
 * "is required" for no value; "expected X, got Y" for a value of another form (a string or a
 * fraction where an integer goes, a mapping where a list goes); "expected X" for a value out of
 * range or a word not in the list, which the place it points at already shows.
 */
export function worded(expectation: string): (issue: RawIssue) => string {
  return (issue) => {
    if (issue.input === undefined) return 'is required';
    const otherForm = issue.code === 'invalid_type' || issue.code === 'invalid_union';
    return otherForm ? `expected ${expectation}, got ${describeValue(issue.input)}` : `expected ${expectation}`;
  };
}

function oneOf(values: readonly string[]): string {
  return `one of ${values.join(', ')}`;
}

export const positiveInteger = z
  .int({ error: worded('a positive integer') })
  .positive({ error: worded('a positive integer') });

/** A positive integer no larger than `max` (a limit of the native core: limits.ts). */
export function positiveIntegerAtMost(max: number) {
  return positiveInteger.max(max, { error: worded(`a positive integer of at most ${max}`) });
}

export const nonNegativeInteger = z
  .int({ error: worded('a non-negative integer') })
  .nonnegative({ error: worded('a non-negative integer') });

export const positiveNumber = z
  .number({ error: worded('a positive number') })
  .positive({ error: worded('a positive number') });

export const pathName = z.enum(PATH_NAMES, { error: worded(oneOf(PATH_NAMES)) });
export const isaName = z.enum(ISA_NAMES, { error: worded(oneOf(ISA_NAMES)) });
export const cacheMode = z.enum(CACHE_MODES, { error: worded(oneOf(CACHE_MODES)) });
export const sparsityPattern = z.enum(SPARSITY_PATTERNS, { error: worded(oneOf(SPARSITY_PATTERNS)) });
export const kvDtype = z.enum(KV_DTYPES, { error: worded(oneOf(KV_DTYPES)) });
export const kvFill = z.enum(KV_FILLS, { error: worded(oneOf(KV_FILLS)) });
/** The KV cache position decode steps are measured at. */
export const contextLength = z
  .int({ error: worded(`an integer from 1 to ${MAX_CONTEXT}`) })
  .min(1, { error: worded(`an integer from 1 to ${MAX_CONTEXT}`) })
  .max(MAX_CONTEXT, { error: worded(`an integer from 1 to ${MAX_CONTEXT}`) });
/** A fraction in (0, 1]: kernel sparsity (zeroed), a top-k or adaptive keep ratio. */
export const unitRatio = z
  .number({ error: worded('a ratio in (0, 1]') })
  .positive({ error: worded('a ratio in (0, 1]') })
  .max(1, { error: worded('a ratio in (0, 1]') });
export const activationSparsityMode = z.enum(ACTIVATION_SPARSITY_MODES, { error: worded(oneOf(ACTIVATION_SPARSITY_MODES)) });
export const attentionSparsityMode = z.enum(ATTENTION_SPARSITY_MODES, { error: worded(oneOf(ATTENTION_SPARSITY_MODES)) });
export const lmHeadDtype = z.enum(LM_HEAD_DTYPES, { error: worded(oneOf(LM_HEAD_DTYPES)) });
export const presetName = z.enum(PRESET_NAMES, { error: worded(oneOf(PRESET_NAMES)) });
export const engineName = z.enum(ENGINE_NAMES, { error: worded(oneOf(ENGINE_NAMES)) });
export const llamaQuant = z.enum(LLAMA_QUANTS, { error: worded(oneOf(LLAMA_QUANTS)) });

/**
 * An EC2 instance type (`c7i.2xlarge`, `m7i-flex.large`) or `local`. Restricted to characters
 * that survive a BullMQ queue name and a file name unchanged, so queueNameFor is one-to-one.
 */
export const instanceTypeName = z
  .string({ error: worded('an instance type name') })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
    error: "expected an instance type name: letters, digits, '.', '_' and '-', at most 64 characters",
  });

/** Run ids name rows in the store and appear in logs; an ISO timestamp fits. */
export const runIdName = z
  .string({ error: worded('a run id') })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, {
    error: "expected a run id: letters, digits, '.', '_', ':' and '-', at most 128 characters",
  });
