// A kernel cell's result from its trials: the median and 95% interval from the hierarchical
// trial bootstrap (runner/trial-statistics.ts), within- and between-trial CV apart, and every
// trial kept. Descriptive figures (GOPS, weight GB/s) follow the combined median; the facts of
// the kernel (ISA, kernel name, copies) are the first trial's, which every trial shares.
import type { KernelResult } from '../kernel-job.js';
import { quantile } from '../statistics.js';
import { trialInterval } from '../trial-statistics.js';
import { kernelTrialOf, type TrialPlacement } from './trial-records.js';

export interface MeasuredKernelTrial {
  result: KernelResult;
  placement: TrialPlacement;
}

/**
 * `targetCv` is the cell's: the result is noisy when the typical trial's samples spread more than
 * it (within) or the trials' medians do (between); 0 turns the flag off.
 */
export function combineKernelTrials(measured: readonly MeasuredKernelTrial[], targetCv: number): KernelResult {
  if (measured.length === 0) throw new RangeError('Expected at least one trial');
  const ordered = [...measured].sort((a, b) => a.placement.trial - b.placement.trial);
  const first = ordered[0]!.result;
  const interval = trialInterval(ordered.map((m) => m.result.samples));
  const samples = ordered.flatMap((m) => m.result.samples);
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const s of sorted) sum += s;
  const mean = sum / sorted.length;
  let squares = 0;
  for (const s of sorted) squares += (s - mean) ** 2;
  let offset = 0;
  const outliers: number[] = [];
  for (const m of ordered) {
    for (const index of m.result.outliers) outliers.push(offset + index);
    offset += m.result.samples.length;
  }
  const medianNs = interval.estimate;
  const noisy = targetCv > 0 && (interval.withinTrialCv > targetCv || (interval.betweenTrialCv ?? 0) > targetCv);
  const { trials: _trials, host: _host, ...facts } = first;
  return {
    ...facts,
    samples,
    medianNs,
    ci95Ns: interval.ci95,
    rerun95Ns: interval.rerun95,
    intervalSource: interval.source,
    meanNs: mean,
    stddevNs: sorted.length > 1 ? Math.sqrt(squares / (sorted.length - 1)) : 0,
    cv: interval.withinTrialCv,
    withinTrialCv: interval.withinTrialCv,
    betweenTrialCv: interval.betweenTrialCv,
    p10Ns: quantile(sorted, 10),
    p90Ns: quantile(sorted, 90),
    outliers,
    steal: ordered.reduce((s, m) => s + m.result.steal, 0) / ordered.length,
    noisy,
    gops: (2 * first.n * first.k * first.batch) / medianNs,
    weightGBs: first.weightBytes / medianNs,
    prepareMs: ordered.reduce((s, m) => s + m.result.prepareMs, 0) / ordered.length,
    trials: ordered.map((m) => kernelTrialOf(m.result, m.placement)),
    ...(ordered[0]!.placement.host ? { host: ordered[0]!.placement.host } : {}),
  };
}
