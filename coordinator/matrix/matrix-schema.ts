// What a matrix file may say. Sections list axes; their cartesian product, less what an exclude
// entry names, is the set of jobs (expand-matrix.ts). Every object is strict: a misspelt key is
// an error, not a silently ignored axis that shrinks the run.
import * as z from 'zod';
import { DEFAULT_ATTENTION_GLOBAL, ISA_NAMES } from '../../runner/protocol/names.js';
import { repetitionOverridesSchema } from '../../runner/protocol/job-spec.js';
import { MAX_DIMENSION, MAX_KERNEL_BATCH, MAX_MODEL_TOKENS, MAX_SEQUENCES, MAX_THREADS } from '../../runner/protocol/limits.js';
import {
  activationSparsityMode,
  cacheMode,
  contextLength,
  engineName,
  instanceTypeName,
  isaName,
  kvDtype,
  llamaQuant,
  lmHeadDtype,
  nonNegativeInteger,
  pathName,
  positiveInteger,
  positiveIntegerAtMost,
  positiveNumber,
  presetName,
  sparsityPattern,
  unitRatio,
  worded,
} from '../../runner/protocol/value-schemas.js';
import type { AttentionSparsityMode } from '../../native/model.js';
import { matrixDescription, matrixName } from './matrix-text.js';

/** Instance types when a matrix names none: this machine. */
export const DEFAULT_INSTANCE_TYPES = ['local'] as const;

/** An axis: a non-empty list of values. */
function axis<T extends z.ZodType>(item: T) {
  return z.array(item, { error: worded('a list') }).min(1, { error: 'must not be empty' });
}

/** A value or a non-empty list of them (exclude entries; a model's prompt and tokens). */
function oneOrMany<T extends z.ZodType>(item: T, expectation: string) {
  return z.union([item, axis(item)], { error: worded(`${expectation} or a list of them`) });
}

/** A section, or a list of sections each expanded on its own (one sweep per entry). */
function oneOrManySections<T extends z.ZodType>(section: T) {
  return z.union([section, z.array(section).min(1, { error: 'must not be empty' })], {
    error: worded('a section (a mapping) or a list of sections'),
  });
}

/** [n, k]: W has n output rows and k input columns. */
export const shapeSchema = z.tuple([positiveIntegerAtMost(MAX_DIMENSION), positiveIntegerAtMost(MAX_DIMENSION)], {
  error: worded('[n, k], two positive integers'),
});

/** 'all': the hardware threads of the machine the job is expanded for. */
export const threadsValueSchema = z.union([positiveIntegerAtMost(MAX_THREADS), z.literal('all')], {
  error: worded(`a positive integer of at most ${MAX_THREADS} or 'all'`),
});

export const ISA_CHOICES = ['auto', ...ISA_NAMES] as const;
/** 'auto': the runner's best supported ISA. */
export const isaChoiceSchema = z.enum(ISA_CHOICES, { error: worded(`one of ${ISA_CHOICES.join(', ')}`) });

/**
 * One activation sparsity setting of a model job: `none` (dense), or a mode with its level
 * (`{ mode: top-k, level: 0.7 }`). The level's meaning depends on the mode, so they travel
 * together rather than as two axes whose product would pair a threshold with a keep ratio.
 */
export const modelSparsitySchema = z.union([
  z.literal('none'),
  z
    .strictObject({
      mode: z.enum(['threshold', 'top-k', 'adaptive', 'top-k-blocks'], { error: worded('one of threshold, top-k, adaptive, top-k-blocks') }),
      level: positiveNumber,
    })
    .superRefine((value, ctx) => {
      if (value.mode !== 'threshold' && value.level > 1) {
        ctx.addIssue({ code: 'custom', path: ['level'], message: `expected a ratio in (0, 1] for ${value.mode}` });
      }
    }),
], { error: worded("none or { mode: threshold|top-k|adaptive|top-k-blocks, level: X }") });

/** Attention sparsity modes a matrix may name besides `none` (native order; bitbench only). */
export const ATTENTION_SPARSITY_AXIS_MODES = ['top-k', 'threshold', 'window', 'dynamic'] as const;
type AttentionAxisMode = (typeof ATTENTION_SPARSITY_AXIS_MODES)[number];
// A mode added to the addon without being added here (or the reverse) fails the build.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const attentionModesMatchTheAddon: Same<AttentionAxisMode, Exclude<AttentionSparsityMode, 'none'>> = true;
void attentionModesMatchTheAddon;

// A window setting that names no global tokens gets DEFAULT_ATTENTION_GLOBAL (the CLI's
// default too); expansion writes it into the job, because a job without one keeps none.

/**
 * One attention sparsity setting of a model job: `none` (every cached position), a mode with
 * its level (`{ mode: top-k, level: 0.5 }`: top-k, threshold, dynamic, a ratio in (0, 1]), or a
 * window with its global tokens (`{ mode: window, window: 1024, global: 4 }`). As with the
 * activation axis, what a mode reads travels with it, so no product pairs a window with a level.
 */
export const modelAttentionSparsitySchema = z.union([
  z.literal('none'),
  z
    .strictObject({
      mode: z.enum(ATTENTION_SPARSITY_AXIS_MODES, { error: worded(`one of ${ATTENTION_SPARSITY_AXIS_MODES.join(', ')}`) }),
      level: unitRatio.optional(),
      window: positiveInteger.optional(),
      global: nonNegativeInteger.optional(),
    })
    .superRefine((value, ctx) => {
      const problem = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
      if (value.mode === 'window') {
        if (value.window === undefined) problem('window', 'is required with mode window (positions kept at the end, >= 1)');
        if (value.level !== undefined) problem('level', 'is not used by mode window (it takes window and global)');
      } else {
        if (value.level === undefined) problem('level', `is required with mode ${value.mode} (a ratio in (0, 1])`);
        for (const field of ['window', 'global'] as const) {
          if (value[field] !== undefined) problem(field, `is used by mode window only (${value.mode} takes a level)`);
        }
      }
    })
    .transform((value): ModelAttentionSparsitySetting =>
      value.mode === 'window'
        ? { mode: 'window', window: value.window!, global: value.global ?? DEFAULT_ATTENTION_GLOBAL }
        : { mode: value.mode, level: value.level! }),
], { error: worded('none, { mode: top-k|threshold|dynamic, level: X } or { mode: window, window: N, global: G }') });

/** A parsed attention sparsity setting other than none: the window's global tokens filled in. */
export type ModelAttentionSparsitySetting =
  | { mode: Exclude<AttentionAxisMode, 'window'>; level: number }
  | { mode: 'window'; window: number; global: number };

/** An empty entry would exclude every job; name at least one axis. */
function excludeEntry<T extends z.ZodRawShape>(shape: T) {
  return z
    .strictObject(shape)
    .partial()
    .refine((entry) => Object.values(entry).some((value) => value !== undefined), {
      error: `names no axis; an exclude entry needs at least one of ${Object.keys(shape).join(', ')}`,
    });
}

/**
 * A kernel job is excluded when, for every key of some entry, its axis value is (one of) the
 * entry's. Values compare as written in the matrix: `threads: all` matches the jobs from the
 * 'all' axis value and `isa: auto` those from 'auto', whatever they resolve to on a machine.
 */
export const kernelExcludeSchema = excludeEntry({
  path: oneOrMany(pathName, 'a path'),
  shape: oneOrMany(shapeSchema, '[n, k]'),
  batch: oneOrMany(positiveInteger, 'a positive integer'),
  threads: oneOrMany(threadsValueSchema, "a positive integer or 'all'"),
  isa: oneOrMany(isaChoiceSchema, 'an ISA'),
  cache: oneOrMany(cacheMode, 'hot or cold'),
  sparsity: oneOrMany(unitRatio, 'a ratio in (0, 1]'),
  sparsityPattern: oneOrMany(sparsityPattern, 'blocks or scattered'),
});

export const kernelSectionSchema = z.strictObject({
  paths: axis(pathName),
  shapes: axis(shapeSchema),
  batch: axis(positiveIntegerAtMost(MAX_KERNEL_BATCH)),
  threads: axis(threadsValueSchema),
  isa: axis(isaChoiceSchema).default(['auto']),
  cache: axis(cacheMode),
  /** Fractions of the activations zeroed in aligned blocks (each job also times dense); absent: dense only. */
  sparsity: axis(unitRatio).optional(),
  /**
   * How the sparsity fractions are zeroed: in aligned blocks (absent: blocks only), or one by
   * one (scattered, as top-k leaves them); needs sparsity.
   */
  sparsityPattern: axis(sparsityPattern).optional(),
  /** Over the matrix's own repetitions, for this section's jobs. */
  repetitions: repetitionOverridesSchema.optional(),
  exclude: z.array(kernelExcludeSchema, { error: worded('a list of exclude entries') }).optional(),
});

export const modelExcludeSchema = excludeEntry({
  preset: oneOrMany(presetName, 'a preset'),
  engine: oneOrMany(engineName, 'an engine'),
  path: oneOrMany(pathName, 'a path'),
  quant: oneOrMany(llamaQuant, 'a llama.cpp quant'),
  batch: oneOrMany(positiveInteger, 'a positive integer'),
  prompt: oneOrMany(positiveInteger, 'a positive integer'),
  tokens: oneOrMany(positiveInteger, 'a positive integer'),
  threads: oneOrMany(threadsValueSchema, "a positive integer or 'all'"),
  isa: oneOrMany(isaChoiceSchema, 'an ISA'),
  kv: oneOrMany(kvDtype, 'bf16, int8, fp8-e4m3 or fp8-e5m2'),
  context: oneOrMany(contextLength, 'a context length'),
  lmHead: oneOrMany(lmHeadDtype, 'bf16 or int8'),
  /** Matches a combination's sparsity mode (`none` for dense). */
  sparsity: oneOrMany(activationSparsityMode, 'a sparsity mode'),
  /** Matches a combination's attention sparsity mode (`none` for every position). */
  attentionSparsity: oneOrMany(
    z.enum(['none', ...ATTENTION_SPARSITY_AXIS_MODES], { error: worded(`one of none, ${ATTENTION_SPARSITY_AXIS_MODES.join(', ')}`) }),
    `an attention sparsity mode (none, ${ATTENTION_SPARSITY_AXIS_MODES.join(', ')})`,
  ),
});

export const modelSectionSchema = z.strictObject({
  presets: axis(presetName),
  /** bitbench runs each of `paths`; llama.cpp each of `quants`, on the same model. */
  engines: axis(engineName).default(['bitbench']),
  paths: axis(pathName).default(['fused']),
  quants: axis(llamaQuant).default(['tq2_0']),
  /** Sequences decoded in lockstep. */
  batch: axis(positiveIntegerAtMost(MAX_SEQUENCES)),
  /** Prompt tokens per sequence: one value or an axis. */
  prompt: oneOrMany(positiveIntegerAtMost(MAX_MODEL_TOKENS), `a positive integer of at most ${MAX_MODEL_TOKENS}`),
  /** Decoded tokens per sequence: one value or an axis. */
  tokens: oneOrMany(positiveIntegerAtMost(MAX_MODEL_TOKENS), `a positive integer of at most ${MAX_MODEL_TOKENS}`),
  threads: axis(threadsValueSchema),
  isa: axis(isaChoiceSchema).default(['auto']),
  kv: axis(kvDtype).default(['bf16']),
  /** KV cache positions decode is measured at (each >= prompt; bitbench only). Absent: right after the prompt. */
  context: axis(contextLength).optional(),
  lmHead: axis(lmHeadDtype).default(['bf16']),
  /** Activation sparsity settings (bitbench only; each timed step also runs dense). */
  sparsity: axis(modelSparsitySchema).default(['none']),
  /** Attention sparsity settings (bitbench only; a window needs window + global below the context). */
  attentionSparsity: axis(modelAttentionSparsitySchema).default(['none']),
  exclude: z.array(modelExcludeSchema, { error: worded('a list of exclude entries') }).optional(),
});

export const matrixSchema = z.strictObject({
  name: matrixName.optional(),
  description: matrixDescription.optional(),
  /** One copy of every job per instance type; each type has its own queue in the fleet. */
  instanceTypes: axis(instanceTypeName).default([...DEFAULT_INSTANCE_TYPES]),
  /** Seed of the randomized run order; when absent the caller picks one and records it. */
  seed: z
    .int({ error: worded('an integer from 0 to 4294967295') })
    .min(0, { error: worded('an integer from 0 to 4294967295') })
    .max(0xffff_ffff, { error: worded('an integer from 0 to 4294967295') })
    .optional(),
  /** Over REPETITION_DEFAULTS, for every kernel job. */
  repetitions: repetitionOverridesSchema.optional(),
  /** Hourly price (USD) per instance type, for the report's cost per million tokens. */
  prices: z
    .record(instanceTypeName, z.number({ error: worded('a positive price in USD per hour') }).positive({ error: worded('a positive price in USD per hour') }))
    .optional(),
  /**
   * vCPUs per instance type, for `threads: all` in a fleet run (`bitbench enqueue`), where the
   * machine is not the one expanding the matrix. Needed only for names whose size does not say
   * it (AWS's `.large` is 2, `.xlarge` 4, `.Nxlarge` 4N).
   */
  vcpus: z
    .record(instanceTypeName, positiveInteger)
    .optional(),
  kernels: oneOrManySections(kernelSectionSchema).optional(),
  models: oneOrManySections(modelSectionSchema).optional(),
});

export type Matrix = z.output<typeof matrixSchema>;
/** A matrix as written (defaults not yet filled in). */
export type MatrixInput = z.input<typeof matrixSchema>;
export type KernelSection = z.output<typeof kernelSectionSchema>;
export type ModelSection = z.output<typeof modelSectionSchema>;
export type KernelExclude = z.output<typeof kernelExcludeSchema>;
export type ModelExclude = z.output<typeof modelExcludeSchema>;
export type Shape = z.output<typeof shapeSchema>;
export type ThreadsValue = z.output<typeof threadsValueSchema>;
export type IsaChoice = z.output<typeof isaChoiceSchema>;
export type ModelSparsityChoice = z.output<typeof modelSparsitySchema>;
export type ModelAttentionSparsityChoice = z.output<typeof modelAttentionSparsitySchema>;

/** A section field as a list: one section, a list of them, or none. */
export function sectionList<T extends object>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** A one-or-many field as a list. */
export function valueList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}
