// One kernel measurement: run the native timing loop for a spec and derive the figures a
// person compares (median with its confidence interval, GOPS, weight bandwidth).
import { timeKernel, type CacheMode, type IsaName, type PathName, type SparsityPattern } from '../native/index.js';
import { coldFootprint } from './cold-footprint.js';
import { readCpuTimes, stealFraction } from './cpu-steal.js';
import { summarize, type SampleSummary } from './statistics.js';
import { SAMPLING_DEFAULTS } from './protocol/sampling-defaults.js';
import type { KernelTrial } from './trials/trial-records.js';

export interface KernelJobSpec {
  path: PathName;
  n: number;
  k: number;
  batch: number;
  threads: number;
  isa?: IsaName;
  cache: CacheMode;
  useBlas?: boolean;
  seed?: number;
  warmup?: number;
  minSamples?: number;
  maxSamples?: number;
  minTimeMs?: number;
  /** Add samples while the CV is above this (0: off), up to maxTimeMs; above it the result is noisy. */
  targetCv?: number;
  maxTimeMs?: number;
  /** Override of the cold footprint policy (bytes). */
  coldBytes?: number;
  /**
   * Fraction of the activations zeroed, in whole column blocks of the path's sparse kernel (0 or absent: none).
   * fused and fused-i8 then run their sparse kernel, each call followed by a dense one.
   */
  sparsity?: number;
  /** How: in aligned blocks (absent or blocks), or scattered one by one as top-k leaves them. */
  sparsityPattern?: SparsityPattern;
}

/** Activation sparsity of a kernel result: what was zeroed, and the sparse kernel against dense. */
export interface KernelSparsity {
  /** The fraction asked for, and of activation values zero in fact. */
  requested: number;
  /** blocks or scattered (kernel-job spec). */
  pattern: SparsityPattern;
  zeroFraction: number;
  /** Mean fraction of the kernel's column blocks all zero; of the timed calls that ran sparse. */
  zeroBlockFraction: number;
  sparseCallFraction: number;
  /**
   * Mean fraction of the weights a timed call did not read: all-zero column blocks, or (fused-i8's
   * column stripes) single zero columns; 0 for a call that ran dense.
   */
  skippedFraction: number;
  /** Median of the dense calls interleaved with the timed ones (null: no sparse kernel on this path). */
  denseMedianNs: number | null;
  /** denseMedianNs over this trial's median (the sparse calls'). */
  speedup: number | null;
}

/**
 * Weight bytes a call read: the sparse calls skip their all-zero blocks' bytes (weightBytes
 * counts every one).
 */
export function bytesReadPerCall(weightBytes: number, s: KernelSparsity | undefined): number {
  return s ? weightBytes * (1 - s.skippedFraction) : weightBytes;
}

export interface KernelResult {
  path: PathName;
  isa: IsaName;
  n: number;
  k: number;
  batch: number;
  threads: number;
  cache: CacheMode;
  /** Every timed call, in nanoseconds, in the order they ran. */
  samples: number[];
  medianNs: number;
  ci95Ns: [number, number];
  meanNs: number;
  stddevNs: number;
  cv: number;
  p10Ns: number;
  p90Ns: number;
  /** Indexes of samples flagged as outliers (MAD); they stay in `samples` and the statistics. */
  outliers: number[];
  /** Fraction of CPU time the hypervisor stole while the job ran. */
  steal: number;
  /** CV above the target: compare with care. */
  noisy: boolean;
  /** 2 * n * k * batch operations (multiply and add) per call, per second, in units of 1e9. */
  gops: number;
  /** Bytes of prepared weights each call reads, per second, in GB/s (1e9). */
  weightGBs: number;
  weightBytes: number;
  prepareMs: number;
  /** The dense product used by cached and baseline paths (BLAS or builtin loop); null for the fused paths. */
  blas: string | null;
  kernel: string;
  copies: number;
  footprintBytes: number;
  checksum: number;
  /**
   * Set on a cell's combined result (runner/trials/combine-kernel-trials.ts); absent on one
   * trial's own result and on results from before trials. With them, `medianNs` is the mean of
   * the trials' medians, `ci95Ns` the hierarchical trial interval, `cv` the within-trial CV and
   * `samples` every trial's samples, trial after trial.
   */
  intervalSource?: 'trials' | 'samples';
  /** Where a repeat run's median lands, 95% of the time (runner/trial-statistics.ts). */
  rerun95Ns?: [number, number];
  withinTrialCv?: number;
  betweenTrialCv?: number | null;
  trials?: KernelTrial[];
  /** Host identity (EC2 instance id or hostname) of the machine that measured it. */
  host?: string;
  /** With spec.sparsity (the first trial's, on a combined result). */
  sparsity?: KernelSparsity;
}

/** The sampling defaults (runner/protocol/sampling-defaults.ts), under the name the CLI knows. */
export const KERNEL_JOB_DEFAULTS = SAMPLING_DEFAULTS;

export async function runKernelJob(spec: KernelJobSpec): Promise<KernelResult> {
  const cpuBefore = readCpuTimes();
  const targetCv = spec.targetCv ?? KERNEL_JOB_DEFAULTS.targetCv;
  const timing = await timeKernel({
    path: spec.path,
    n: spec.n,
    k: spec.k,
    batch: spec.batch,
    threads: spec.threads,
    cache: spec.cache,
    coldBytes: spec.coldBytes ?? Math.max(1, coldFootprint().bytes),
    warmup: spec.warmup ?? KERNEL_JOB_DEFAULTS.warmup,
    minSamples: spec.minSamples ?? KERNEL_JOB_DEFAULTS.minSamples,
    maxSamples: spec.maxSamples ?? KERNEL_JOB_DEFAULTS.maxSamples,
    minTimeMs: spec.minTimeMs ?? KERNEL_JOB_DEFAULTS.minTimeMs,
    seed: spec.seed ?? KERNEL_JOB_DEFAULTS.seed,
    targetCv,
    maxTimeMs: spec.maxTimeMs ?? KERNEL_JOB_DEFAULTS.maxTimeMs,
    useBlas: spec.useBlas ?? true,
    ...(spec.isa ? { isa: spec.isa } : {}),
    ...(spec.sparsity ? { sparsity: spec.sparsity } : {}),
    ...(spec.sparsity && spec.sparsityPattern ? { sparsityPattern: spec.sparsityPattern } : {}),
  });
  const stats: SampleSummary = summarize(timing.samplesNs);
  const dense = timing.sparsity && timing.sparsity.denseSamplesNs.length > 0 ? summarize(timing.sparsity.denseSamplesNs).medianNs : null;
  return {
    path: spec.path,
    isa: timing.isa,
    n: spec.n,
    k: spec.k,
    batch: spec.batch,
    threads: spec.threads,
    cache: spec.cache,
    samples: Array.from(timing.samplesNs),
    medianNs: stats.medianNs,
    ci95Ns: stats.ci95Ns,
    meanNs: stats.meanNs,
    stddevNs: stats.stddevNs,
    cv: stats.cv,
    p10Ns: stats.p10Ns,
    p90Ns: stats.p90Ns,
    outliers: stats.outliers,
    steal: stealFraction(cpuBefore, readCpuTimes()),
    noisy: targetCv > 0 && stats.cv > targetCv,
    gops: (2 * spec.n * spec.k * spec.batch) / stats.medianNs,
    weightGBs: (timing.readBytes ?? timing.preparedBytes) / stats.medianNs,
    weightBytes: timing.readBytes ?? timing.preparedBytes,
    prepareMs: timing.prepareNs / 1e6,
    blas: spec.path === 'fused' || spec.path === 'fused-i8' ? null : timing.blas,
    kernel: timing.kernel,
    copies: timing.copies,
    footprintBytes: timing.footprintBytes,
    checksum: timing.checksum,
    ...(timing.sparsity && spec.sparsity
      ? {
          sparsity: {
            requested: spec.sparsity,
            pattern: spec.sparsityPattern ?? 'blocks',
            zeroFraction: timing.sparsity.zeroFraction,
            zeroBlockFraction: timing.sparsity.zeroBlockFraction,
            sparseCallFraction: timing.sparsity.sparseCallFraction,
            skippedFraction: timing.sparsity.skippedFraction,
            denseMedianNs: dense,
            speedup: dense === null ? null : dense / stats.medianNs,
          },
        }
      : {}),
  };
}
