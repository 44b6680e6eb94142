// The one schema of a job's result as readers see it (the local summary, the report, export,
// the store's read side). Results come from other machines and from older or newer bitbench
// versions, so reading is tolerant field by field: a field that is missing or malformed reads as
// undefined (a figure the report shows as '-'), never as an exception that loses the whole row.
// What a runner writes is runner/kernel-job.ts's KernelResult and runner/model-job.ts's
// ModelResult; every field they have is named here.
import * as z from 'zod';
import { SPARSITY_PATTERNS } from './names.js';

const finite = z.number().refine(Number.isFinite);
/** A figure: a finite number, else undefined. */
const figure = finite.optional().catch(undefined);
const nullableFigure = finite.nullable().optional().catch(undefined);
const count = z.int().nonnegative().optional().catch(undefined);
const word = z.string().optional().catch(undefined);
/** Finite numbers only: a list with anything else in it reads as empty. */
const figures = z.array(finite).catch([]);
const interval = z.tuple([finite, finite]).optional().catch(undefined);

/** One trial of a cell: its own samples and summary, and where it ran in the run's order. */
export const trialRecordSchema = z.looseObject({
  /** 0-based trial index (also its round in an interleaved run). */
  trial: z.int().nonnegative().catch(0),
  /** Its place in that round's order (0-based); absent for trials not run in rounds. */
  position: count,
  /** Host identity (EC2 instance id or hostname) of the machine that ran it. */
  host: word,
  samples: figures,
  medianNs: figure,
  ci95Ns: interval,
  cv: figure,
  steal: figure,
  prepareMs: figure,
  /** Model trials: decode tokens/s and every decode step (ns). */
  decodeTokS: nullableFigure,
  prefillTokS: nullableFigure,
  stepNs: figures,
  startedAt: word,
  finishedAt: word,
});

const trials = z.array(z.unknown()).transform((items) => items.flatMap((item) => {
  const parsed = trialRecordSchema.safeParse(item);
  return parsed.success ? [parsed.data] : [];
})).optional().catch(undefined);

/** The activation sparsity a result ran with (kernel: the fraction asked for; model: mode and level). */
const kernelSparsity = z
  .looseObject({ requested: figure, pattern: z.enum(SPARSITY_PATTERNS).optional().catch(undefined) })
  .optional()
  .catch(undefined);
const modelSparsity = z.looseObject({ mode: word, level: figure }).optional().catch(undefined);
const attentionSparsity = z
  .looseObject({ mode: word, level: figure, window: count, global: count })
  .optional()
  .catch(undefined);

/** How a result's interval was made: over trials (hierarchical), or one trial's samples. */
const intervalSource = z.enum(['trials', 'samples']).optional().catch(undefined);

export const kernelResultSchema = z.looseObject({
  path: word,
  isa: word,
  n: count,
  k: count,
  batch: count,
  threads: count,
  cache: word,
  /** Every timed call of every trial, in ns, trial after trial. */
  samples: figures,
  /** The cell's median time: the mean of its trials' medians (one trial: its median). */
  medianNs: figure,
  ci95Ns: interval,
  /** 95% prediction interval of a repeat run's median (combined results since re-run intervals). */
  rerun95Ns: interval,
  intervalSource,
  meanNs: figure,
  stddevNs: figure,
  /** Within-trial CV (the mean of the trials' own CVs). */
  cv: figure,
  withinTrialCv: figure,
  /** CV of the trials' medians; null or absent with one trial. */
  betweenTrialCv: nullableFigure,
  p10Ns: figure,
  p90Ns: figure,
  outliers: z.array(z.int()).catch([]),
  steal: figure,
  noisy: z.boolean().optional().catch(undefined),
  gops: figure,
  weightGBs: figure,
  weightBytes: figure,
  prepareMs: figure,
  blas: z.string().nullable().optional().catch(undefined),
  kernel: word,
  copies: count,
  footprintBytes: figure,
  sparsity: kernelSparsity,
  host: word,
  trials,
});

export const modelResultSchema = z.looseObject({
  preset: word,
  engine: word,
  path: word,
  quant: word,
  isa: word,
  kernel: word,
  batch: count,
  prompt: count,
  tokens: count,
  threads: count,
  kv: word,
  /** KV cache position of the first decode step (long-context runs). */
  context: count,
  lmHead: word,
  sparsity: modelSparsity,
  attentionSparsity,
  /** The cell's decode tokens/s: the mean of its trials' (null where a decode had no steps). */
  decodeTokS: nullableFigure,
  decodeTokSCi95: interval,
  decodeTokSRerun95: interval,
  intervalSource,
  withinTrialCv: figure,
  betweenTrialCv: nullableFigure,
  prefillTokS: nullableFigure,
  ttftMs: figure,
  p50Ms: figure,
  p99Ms: figure,
  stepNs: figures,
  peakRssBytes: figure,
  bytesPerToken: figure,
  bandwidthGBs: figure,
  probeBandwidthGBs: nullableFigure,
  bandwidthSource: z.enum(['probe', 'run']).optional().catch(undefined),
  rooflineTokS: nullableFigure,
  rooflineFraction: nullableFigure,
  noisy: z.boolean().optional().catch(undefined),
  host: word,
  trials,
});

export type KernelResultView = z.output<typeof kernelResultSchema>;
export type ModelResultView = z.output<typeof modelResultSchema>;
export type TrialRecordView = z.output<typeof trialRecordSchema>;

function objectOrEmpty(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A stored kernel result as readers use it; anything unreadable reads as absent. */
export function readKernelResult(value: unknown): KernelResultView {
  return kernelResultSchema.parse(objectOrEmpty(value));
}

export function readModelResult(value: unknown): ModelResultView {
  return modelResultSchema.parse(objectOrEmpty(value));
}

/**
 * Each trial's own figure, in trial order: a kernel trial's median time, a model trial's decode
 * tokens/s. A result from before trials is one trial: its own figure.
 */
export function trialFigures(kind: 'kernel' | 'model', value: unknown): number[] {
  if (kind === 'kernel') {
    const r = readKernelResult(value);
    if (r.trials?.length) return r.trials.flatMap((t) => (t.medianNs === undefined ? [] : [t.medianNs]));
    return r.medianNs === undefined ? [] : [r.medianNs];
  }
  const r = readModelResult(value);
  if (r.trials?.length) return r.trials.flatMap((t) => (typeof t.decodeTokS === 'number' ? [t.decodeTokS] : []));
  return typeof r.decodeTokS === 'number' ? [r.decodeTokS] : [];
}
