// A model cell's result from its trials: decode tokens/s as the mean of the trials' own, with a
// 95% interval from the hierarchical bootstrap over trials and then decode steps within each.
// Latency percentiles and the roofline share follow from the pooled steps and combined rate.
import type { ModelResult } from '../model-job.js';
import { percentile } from '../model-job.js';
import { trialInterval, type TrialStatistic } from '../trial-statistics.js';
import { modelTrialOf, type TrialPlacement } from './trial-records.js';

export interface MeasuredModelTrial {
  result: ModelResult;
  placement: TrialPlacement;
}

/** Above this between- or within-trial CV a model row is flagged noisy. */
export const MODEL_NOISY_CV = 0.05;

export function combineModelTrials(measured: readonly MeasuredModelTrial[]): ModelResult {
  if (measured.length === 0) throw new RangeError('Expected at least one trial');
  const ordered = [...measured].sort((a, b) => a.placement.trial - b.placement.trial);
  const first = ordered[0]!.result;
  const withSteps = ordered.filter((m) => m.result.stepNs.length > 0);
  const stepNs = ordered.flatMap((m) => m.result.stepNs);
  const sortedSteps = Float64Array.from(stepNs).sort();
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const base = {
    ...first,
    stepNs,
    prefillTokS: mean(ordered.map((m) => m.result.prefillTokS)),
    ttftMs: mean(ordered.map((m) => m.result.ttftMs)),
    p50Ms: percentile(sortedSteps, 50) / 1e6,
    p99Ms: percentile(sortedSteps, 99) / 1e6,
    peakRssBytes: ordered.reduce((m, t) => Math.max(m, t.result.peakRssBytes), 0),
    trials: ordered.map((m) => modelTrialOf(m.result, m.placement)),
    ...(ordered[0]!.placement.host ? { host: ordered[0]!.placement.host } : {}),
  };
  if (withSteps.length === 0) return { ...base, decodeTokS: NaN, noisy: false };
  // A trial's decode rate: batch tokens per mean step.
  const rate: TrialStatistic = (sorted) => {
    let sum = 0;
    for (const s of sorted) sum += s;
    return sum > 0 ? (first.batch * 1e9 * sorted.length) / sum : NaN;
  };
  const interval = trialInterval(withSteps.map((m) => m.result.stepNs), { statistic: rate });
  const highest = withSteps.reduce((best, m) => (m.result.rooflineTokS > best.rooflineTokS ? m.result : best), withSteps[0]!.result);
  const highestRoofline = {
    bandwidthGBs: highest.bandwidthGBs,
    rooflineTokS: highest.rooflineTokS,
    ...(highest.probeBandwidthGBs !== undefined ? { probeBandwidthGBs: highest.probeBandwidthGBs } : {}),
    ...(highest.bandwidthSource !== undefined ? { bandwidthSource: highest.bandwidthSource } : {}),
  };
  const decodeTokS = interval.estimate;
  return {
    ...base,
    decodeTokS,
    decodeTokSCi95: interval.ci95,
    decodeTokSRerun95: interval.rerun95,
    intervalSource: interval.source,
    withinTrialCv: interval.withinTrialCv,
    betweenTrialCv: interval.betweenTrialCv,
    noisy: interval.withinTrialCv > MODEL_NOISY_CV || (interval.betweenTrialCv ?? 0) > MODEL_NOISY_CV,
    // The highest roofline of the trials: the machine delivered at least that bandwidth.
    ...highestRoofline,
    rooflineFraction: decodeTokS / highestRoofline.rooflineTokS,
  };
}
