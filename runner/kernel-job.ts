// One kernel measurement: run the native timing loop for a spec and derive the figures a
// person compares (median with its confidence interval, GOPS, weight bandwidth).
import { timeKernel, type CacheMode, type IsaName, type PathName } from '../native/index.js';
import { coldFootprint } from './cold-footprint.js';
import { readCpuTimes, stealFraction } from './cpu-steal.js';
import { summarize, type SampleSummary } from './statistics.js';

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
}

export const KERNEL_JOB_DEFAULTS = { warmup: 3, minSamples: 10, maxSamples: 1000, minTimeMs: 500, seed: 1, targetCv: 0.05, maxTimeMs: 3000 };

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
    ...(spec.isa ? { isa: spec.isa } : {}),
    ...(spec.useBlas !== undefined ? { useBlas: spec.useBlas } : {}),
  });
  const stats: SampleSummary = summarize(timing.samplesNs);
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
    weightGBs: timing.preparedBytes / stats.medianNs,
    weightBytes: timing.preparedBytes,
    prepareMs: timing.prepareNs / 1e6,
    blas: spec.path === 'fused' || spec.path === 'fused-i8' ? null : timing.blas,
    kernel: timing.kernel,
    copies: timing.copies,
    footprintBytes: timing.footprintBytes,
    checksum: timing.checksum,
  };
}
