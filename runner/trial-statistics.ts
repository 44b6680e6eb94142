// A cell's figure from several independent trials, with an interval that covers a re-run.
//
// The estimate is the mean of the trials' own statistics (a kernel trial's median time). The
// interval comes from a hierarchical bootstrap: resample the trials with replacement, then each
// chosen trial's samples with replacement, and recompute; so both the spread between trials
// (page placement, frequency state, a noisy neighbour for one sitting) and within them are in it.
// A percentile bootstrap over R trials cannot reach past the trials it saw, and with 3 to 5 trials
// that makes it cover a re-run's figure far less often than it claims (about 75% at R = 3). So
// the percentile distances are widened by the small-sample factor t(R-1) / z * sqrt(R / (R-1))
// (Student's t for the few trials, and the bootstrap's (R-1)/R variance bias undone); it tends to
// 1 as R grows. test/runner/trial-statistics.test.ts checks the coverage on simulated data.
//
// A confidence interval answers "where is the true figure"; a user re-running the benchmark asks
// "where will my next run's figure land". A re-run's estimate has its own error as large as this
// one's, so their difference spreads sqrt(2) times wider, and even a perfectly calibrated 95%
// confidence interval holds a re-run's figure only about 83% of the time. The re-run interval
// (`rerun95`) is the prediction interval for a repeat run of as many trials: the confidence
// interval's distances times sqrt(2). bench:repeatability measures how often each holds.
import { median, quantile } from './statistics.js';
import { mulberry32 } from './seeded-random.js';
import { studentTQuantile } from './student-t.js';

export const TRIAL_BOOTSTRAP_RESAMPLES = 2000;
/** A re-run's estimate differs from this one's by two independent errors of the same size. */
export const RERUN_WIDENING = Math.SQRT2;
// Resampling thousands of samples per trial thousands of times costs more than it tells.
const MAX_SAMPLES_PER_TRIAL = 1000;
const Z_975 = 1.959963984540054;

/** A trial's figure from its samples (sorted ascending). */
export type TrialStatistic = (sorted: Float64Array) => number;

export const medianStatistic: TrialStatistic = (sorted) => median(sorted);

export interface TrialInterval {
  /** Mean of the trials' statistics. */
  estimate: number;
  /** 95% confidence interval of the estimate. */
  ci95: [number, number];
  /** 95% prediction interval of a repeat run's estimate (as many trials, same machine). */
  rerun95: [number, number];
  trials: number;
  /** 'trials': hierarchical over two or more trials; 'samples': one trial, its samples only. */
  source: 'trials' | 'samples';
  /** Each trial's own statistic, in trial order. */
  trialEstimates: number[];
  /** Mean of the trials' own coefficients of variation (sample spread within a sitting). */
  withinTrialCv: number;
  /** Coefficient of variation of the trials' statistics (spread between sittings); null for one trial. */
  betweenTrialCv: number | null;
}

export interface TrialIntervalOptions {
  statistic?: TrialStatistic;
  resamples?: number;
  seed?: number;
}

function coefficientOfVariation(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (values[i]! - mean) ** 2;
  return mean > 0 ? Math.sqrt(squares / (n - 1)) / mean : 0;
}

function thinned(samples: ArrayLike<number>): Float64Array {
  const n = samples.length;
  if (n <= MAX_SAMPLES_PER_TRIAL) return Float64Array.from(samples);
  const step = n / MAX_SAMPLES_PER_TRIAL;
  return Float64Array.from({ length: MAX_SAMPLES_PER_TRIAL }, (_, i) => samples[Math.floor(i * step)]!);
}

/** t(R-1, 0.975) / z(0.975) * sqrt(R / (R-1)): how far a percentile interval over R trials is widened. */
export function smallSampleWidening(trials: number): number {
  if (trials < 2) return 1;
  return (studentTQuantile(0.975, trials - 1) / Z_975) * Math.sqrt(trials / (trials - 1));
}

/** The estimate and 95% interval of a cell measured as `trials` (each an array of samples). */
export function trialInterval(trials: readonly ArrayLike<number>[], options: TrialIntervalOptions = {}): TrialInterval {
  const statistic = options.statistic ?? medianStatistic;
  const resamples = options.resamples ?? TRIAL_BOOTSTRAP_RESAMPLES;
  const usable = trials.filter((t) => t.length > 0).map(thinned);
  const r = usable.length;
  if (r === 0) throw new RangeError('Expected at least one trial with samples');
  const trialEstimates = usable.map((t) => statistic(Float64Array.from(t).sort()));
  const estimate = trialEstimates.reduce((a, b) => a + b, 0) / r;
  const withinTrialCv = usable.reduce((sum, t) => sum + coefficientOfVariation(t), 0) / r;
  // Seeded: the same trials give the same interval.
  const random = mulberry32(options.seed ?? 1);
  const draws = new Float64Array(resamples);
  const scratch = usable.map((t) => new Float64Array(t.length));
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let i = 0; i < r; i++) {
      // One trial: with several, a random one (with replacement); with one, itself.
      const chosen = r === 1 ? 0 : Math.floor(random() * r);
      const source = usable[chosen]!;
      const draw = scratch[chosen]!;
      const n = source.length;
      for (let j = 0; j < n; j++) draw[j] = source[Math.floor(random() * n)]!;
      draw.sort();
      sum += statistic(draw);
    }
    draws[b] = sum / r;
  }
  draws.sort();
  const widen = smallSampleWidening(r);
  const below = Math.max(0, estimate - quantile(draws, 2.5)) * widen;
  const above = Math.max(0, quantile(draws, 97.5) - estimate) * widen;
  return {
    estimate,
    ci95: [estimate - below, estimate + above],
    rerun95: [estimate - below * RERUN_WIDENING, estimate + above * RERUN_WIDENING],
    trials: r,
    source: r > 1 ? 'trials' : 'samples',
    trialEstimates,
    withinTrialCv,
    betweenTrialCv: r > 1 ? coefficientOfVariation(trialEstimates) : null,
  };
}
