// One expanded job, as it travels from the coordinator to a runner (in-process in local mode,
// through Redis in the fleet). A job is data, never a command: every runner validates what it
// takes with parseJobSpec before acting on it, and a spec that fails is a failed job that no
// retry can fix.
import * as z from 'zod';
import { MODEL_PRESETS } from '../model-config.js';
import { jobIdFor, JOB_ID_LENGTH } from './job-id.js';
import {
  activationSparsityMode,
  attentionSparsityMode,
  cacheMode,
  engineName,
  instanceTypeName,
  isaName,
  contextLength,
  kvDtype,
  kvFill,
  llamaQuant,
  lmHeadDtype,
  nonNegativeInteger,
  pathName,
  positiveInteger,
  positiveIntegerAtMost,
  positiveNumber,
  presetName,
  runIdName,
  sparsityPattern,
  unitRatio,
  worded,
} from './value-schemas.js';
import { formatProblem, humanErrorMap, problemsFromIssues, type ValidationProblem } from './validation-problems.js';
import { MAX_DIMENSION, MAX_KERNEL_BATCH, MAX_MODEL_TOKENS, MAX_SEQUENCES, MAX_THREADS } from './limits.js';
import { MAX_TRIALS, SAMPLING_DEFAULTS } from './sampling-defaults.js';

/** Independent trials of one cell; absent in specs from before trials (one trial). */
export const trialCount = positiveInteger.max(MAX_TRIALS, { error: worded(`a positive integer of at most ${MAX_TRIALS}`) });

/**
 * How long a kernel job samples: `warmup` untimed calls, then at least `minSamples`, stopping
 * once the coefficient of variation is at most `targetCv` or `maxTimeMs` of sampling has passed
 * (the "add runs while noisy" rule), and never more than `maxSamples`; and all of that `trials`
 * times, as independent trials (defaults: runner/protocol/sampling-defaults.ts).
 */
export const repetitionPolicyShape = {
  warmup: nonNegativeInteger,
  minSamples: positiveInteger,
  maxSamples: positiveInteger,
  targetCv: z
    .number({ error: worded('a coefficient of variation in (0, 1]') })
    .positive({ error: worded('a coefficient of variation in (0, 1]') })
    .max(1, { error: worded('a coefficient of variation in (0, 1]') }),
  maxTimeMs: positiveNumber,
  trials: trialCount.optional(),
};

export const repetitionPolicySchema = z.strictObject(repetitionPolicyShape);
/** Every field optional: what a matrix (or one section of it) overrides. */
export const repetitionOverridesSchema = repetitionPolicySchema.partial();

export type RepetitionPolicy = z.infer<typeof repetitionPolicySchema>;
export type RepetitionOverrides = z.infer<typeof repetitionOverridesSchema>;

export const REPETITION_DEFAULTS: Readonly<RepetitionPolicy> = Object.freeze({
  warmup: SAMPLING_DEFAULTS.warmup,
  minSamples: SAMPLING_DEFAULTS.minSamples,
  maxSamples: SAMPLING_DEFAULTS.maxSamples,
  targetCv: SAMPLING_DEFAULTS.targetCv,
  maxTimeMs: SAMPLING_DEFAULTS.maxTimeMs,
  trials: SAMPLING_DEFAULTS.trials,
});

/** How many trials a job asks for: a spec from before trials asked for one. */
export function trialsOf(job: Job): number {
  return (job.kind === 'kernel' ? job.repetitions.trials : job.trials) ?? 1;
}

/** Later overrides win; what none sets comes from REPETITION_DEFAULTS. */
export function resolveRepetitions(...overrides: (RepetitionOverrides | undefined)[]): RepetitionPolicy {
  const policy: RepetitionPolicy = { ...REPETITION_DEFAULTS };
  for (const layer of overrides) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer) as [keyof RepetitionPolicy, number | undefined][]) {
      if (value !== undefined) policy[key] = value;
    }
  }
  return policy;
}

/** Problems no single field shows; [] when there are none. */
export function repetitionPolicyProblems(policy: RepetitionPolicy, at: string): ValidationProblem[] {
  if (policy.minSamples <= policy.maxSamples) return [];
  return [{
    path: at ? `${at}.minSamples` : 'minSamples',
    message: `minSamples (${policy.minSamples}) must not exceed maxSamples (${policy.maxSamples})`,
  }];
}

const kernelJobShape = {
  kind: z.literal('kernel'),
  path: pathName,
  /** Output rows of W. */
  n: positiveIntegerAtMost(MAX_DIMENSION),
  /** Input columns of W. */
  k: positiveIntegerAtMost(MAX_DIMENSION),
  batch: positiveIntegerAtMost(MAX_KERNEL_BATCH),
  /** Resolved: 'all' in a matrix became the machine's hardware threads at expansion. */
  threads: positiveIntegerAtMost(MAX_THREADS),
  /** Absent: the runner's best supported ISA (or BITBENCH_ISA). */
  isa: isaName.optional(),
  cache: cacheMode,
  repetitions: repetitionPolicySchema,
  /** Fraction of the activations zeroed in aligned column blocks; absent: dense (ids unchanged). */
  sparsity: unitRatio.optional(),
  /** With sparsity: zeroed one by one (scattered) instead; absent: blocks (ids unchanged). */
  sparsityPattern: sparsityPattern.optional(),
};

const modelJobShape = {
  kind: z.literal('model'),
  preset: presetName,
  /** Absent: bitbench (so specs from before llama.cpp keep their ids). */
  engine: engineName.optional(),
  /** bitbench's compute path; absent for llama.cpp. */
  path: pathName.optional(),
  /** llama.cpp's weight type for the ternary layers; llama.cpp only. */
  quant: llamaQuant.optional(),
  /** Sequences decoded in lockstep. */
  batch: positiveIntegerAtMost(MAX_SEQUENCES),
  /** Prompt tokens prefilled per sequence. */
  prompt: positiveIntegerAtMost(MAX_MODEL_TOKENS),
  /** Tokens decoded per sequence. */
  tokens: positiveIntegerAtMost(MAX_MODEL_TOKENS),
  threads: positiveIntegerAtMost(MAX_THREADS),
  isa: isaName.optional(),
  kv: kvDtype,
  /** Decode measured at this KV cache position (>= prompt); absent: right after the prompt. */
  context: contextLength.optional(),
  /** How the cache reaches `context`; absent: tiled. */
  fill: kvFill.optional(),
  lmHead: lmHeadDtype,
  trials: trialCount.optional(),
  /** Activation sparsity on every ternary layer's input; absent: dense (never written as 'none'). */
  sparsity: activationSparsityMode.optional(),
  /** threshold: |x| below it zeroed (> 0); top-k, adaptive, top-k-blocks: keep ratio in (0, 1]. */
  sparsityLevel: positiveNumber.optional(),
  /** Which cached positions each query head's softmax keeps; absent: all (never written as 'none'). */
  attentionSparsity: attentionSparsityMode.optional(),
  /** top-k, threshold, dynamic: a ratio in (0, 1]. */
  attentionLevel: unitRatio.optional(),
  /** window: the last positions kept, and the first ones always kept (absent: none). */
  attentionWindow: positiveInteger.optional(),
  attentionGlobal: nonNegativeInteger.optional(),
};

const jobIdentityShape = {
  /** jobIdFor(the rest of the spec): 16 lowercase hex digits. */
  id: z
    .string({ error: worded('a job id') })
    .regex(new RegExp(`^[0-9a-f]{${JOB_ID_LENGTH}}$`), { error: `expected a job id: ${JOB_ID_LENGTH} lowercase hex digits` }),
  runId: runIdName,
  instanceType: instanceTypeName,
};

export const kernelJobSchema = z.strictObject(kernelJobShape);
export const modelJobSchema = z.strictObject(modelJobShape);
export const jobIdentitySchema = z.strictObject(jobIdentityShape);

export const jobSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...kernelJobShape, ...jobIdentityShape }),
  z.strictObject({ ...modelJobShape, ...jobIdentityShape }),
]);

export type KernelJob = z.infer<typeof kernelJobSchema>;
export type ModelJob = z.infer<typeof modelJobSchema>;
export type Job = KernelJob | ModelJob;
export type JobIdentity = z.infer<typeof jobIdentitySchema>;
/** (KernelJob | ModelJob) & JobIdentity, discriminated on `kind`. */
export type JobSpec = z.infer<typeof jobSpecSchema>;
/** One kind of spec: `JobSpecOf<'kernel'>`. (Not `KernelJobSpec`: runner/kernel-job.ts has that name.) */
export type JobSpecOf<K extends JobSpec['kind']> = Extract<JobSpec, { kind: K }>;

export class JobSpecError extends Error {
  override name = 'JobSpecError';
  readonly code = 'ERR_BITBENCH_JOB_SPEC';
  constructor(readonly problems: ValidationProblem[], readonly jobId?: string) {
    super(
      `Invalid job spec${jobId ? ` ${jobId}` : ''} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
  }
}

/** Problems that need the whole spec: the id must hash from it, the run must fit the model. */
export function jobSpecProblems(spec: JobSpec): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (spec.kind === 'kernel') {
    problems.push(...repetitionPolicyProblems(spec.repetitions, 'repetitions'));
    if (spec.sparsityPattern !== undefined && spec.sparsity === undefined) {
      problems.push({ path: 'sparsityPattern', message: 'needs sparsity (the fraction zeroed)' });
    }
  }
  if (spec.kind === 'model') {
    if (spec.engine === 'llama.cpp') {
      if (spec.quant === undefined) problems.push({ path: 'quant', message: 'a llama.cpp job needs a quant' });
      if (spec.path !== undefined) problems.push({ path: 'path', message: 'a llama.cpp job runs llama.cpp\'s kernels, not a bitbench path' });
    } else {
      if (spec.path === undefined) problems.push({ path: 'path', message: 'a bitbench model job needs a path' });
      if (spec.quant !== undefined) problems.push({ path: 'quant', message: 'only llama.cpp jobs take a quant' });
    }
    problems.push(...modelSparsityProblems(spec), ...attentionSparsityProblems(spec));
    const positions = MODEL_PRESETS[spec.preset].maxPositions;
    if (spec.prompt + spec.tokens > positions) {
      problems.push({ path: 'tokens', message: `prompt ${spec.prompt} + tokens ${spec.tokens} exceeds ${spec.preset}'s ${positions} positions` });
    }
  }
  const expected = jobIdFor(spec);
  if (spec.id !== expected) problems.push({ path: 'id', message: `does not match the spec (which hashes to ${expected})` });
  return problems;
}

/** The level's meaning depends on the mode, so the two are checked together. */
function modelSparsityProblems(spec: ModelJob): ValidationProblem[] {
  const mode = spec.sparsity ?? 'none';
  if (mode === 'none') {
    return spec.sparsityLevel === undefined ? [] : [{ path: 'sparsityLevel', message: 'needs a sparsity mode other than none' }];
  }
  if (spec.engine === 'llama.cpp') return [{ path: 'sparsity', message: "only bitbench's paths zero activations" }];
  if (spec.sparsityLevel === undefined) return [{ path: 'sparsityLevel', message: `is required with sparsity ${mode}` }];
  if (mode !== 'threshold' && spec.sparsityLevel > 1) return [{ path: 'sparsityLevel', message: `expected a ratio in (0, 1] for ${mode}` }];
  return [];
}

/** What each attention mode reads, checked together, with `bitbench model`'s rules. */
function attentionSparsityProblems(spec: ModelJob): ValidationProblem[] {
  const mode = spec.attentionSparsity ?? 'none';
  const problems: ValidationProblem[] = [];
  if (mode !== 'window') {
    for (const field of ['attentionWindow', 'attentionGlobal'] as const) {
      if (spec[field] !== undefined) problems.push({ path: field, message: 'needs attentionSparsity window' });
    }
  }
  if ((mode === 'none' || mode === 'window') && spec.attentionLevel !== undefined) {
    problems.push({ path: 'attentionLevel', message: 'needs attentionSparsity top-k, threshold or dynamic' });
  }
  if (mode === 'none') return problems;
  if (spec.engine === 'llama.cpp') return [...problems, { path: 'attentionSparsity', message: "only bitbench's attention drops positions" }];
  if (mode !== 'window') {
    if (spec.attentionLevel === undefined) problems.push({ path: 'attentionLevel', message: `is required with attentionSparsity ${mode}` });
    return problems;
  }
  if (spec.attentionWindow === undefined) return [...problems, { path: 'attentionWindow', message: 'is required with attentionSparsity window' }];
  const global = spec.attentionGlobal ?? 0;
  const context = spec.context ?? spec.prompt;
  if (spec.attentionWindow + global >= context) {
    problems.push({
      path: 'attentionWindow',
      message: `${spec.attentionWindow} plus ${global} global tokens keeps every position below the context (${context})`,
    });
  }
  return problems;
}

/** The job, if it is one; else a JobSpecError listing every problem. */
export function parseJobSpec(value: unknown): JobSpec {
  const result = jobSpecSchema.safeParse(value, { error: humanErrorMap });
  const claimedId = typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string'
    ? (value as { id: string }).id
    : undefined;
  if (!result.success) throw new JobSpecError(problemsFromIssues(result.error.issues), claimedId);
  const problems = jobSpecProblems(result.data);
  if (problems.length > 0) throw new JobSpecError(problems, claimedId);
  return result.data;
}

/** What a job's results show as their path: bitbench's path, or `llama.cpp:<quant>`. */
export function jobPathLabel(job: Job): string {
  if (job.kind === 'model' && job.engine === 'llama.cpp') return `llama.cpp:${job.quant ?? 'tq2_0'}`;
  return job.path ?? 'fused';
}
