// Summary statistics of timing samples, the way benchmark tools report them (criterion,
// hyperfine, Google Benchmark): the median with a 95% bootstrap confidence interval, mean,
// standard deviation, coefficient of variation, p10/p90, and outliers flagged by the median
// absolute deviation (flagged, never dropped).
import { mulberry32 } from './seeded-random.js';

export interface SampleSummary {
  count: number;
  medianNs: number;
  meanNs: number;
  stddevNs: number;
  cv: number;
  minNs: number;
  maxNs: number;
  p10Ns: number;
  p90Ns: number;
  /** 95% bootstrap confidence interval of the median (percentile method, seeded). */
  ci95Ns: [number, number];
  /** Indexes (in the order given) of samples more than 3.5 scaled MADs from the median. */
  outliers: number[];
}

export function median(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Linear interpolation between closest ranks, p in [0, 100]. */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const position = (p / 100) * (n - 1);
  const lower = Math.floor(position);
  const upper = Math.min(n - 1, lower + 1);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

export const BOOTSTRAP_RESAMPLES = 2000;

/** 95% percentile-bootstrap interval of the median. */
export function bootstrapMedianCi(samples: ArrayLike<number>, resamples = BOOTSTRAP_RESAMPLES, seed = 1): [number, number] {
  const n = samples.length;
  if (n === 1) return [samples[0]!, samples[0]!];
  // Seeded: the same samples give the same interval.
  const random = mulberry32(seed);
  const medians = new Float64Array(resamples);
  const draw = new Float64Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) draw[i] = samples[Math.floor(random() * n)]!;
    draw.sort();
    medians[r] = median(draw);
  }
  medians.sort();
  return [quantile(medians, 2.5), quantile(medians, 97.5)];
}

/** Samples whose modified z-score (0.6745 |x - median| / MAD) exceeds 3.5 (Iglewicz and Hoaglin). */
export function madOutliers(samples: ArrayLike<number>): number[] {
  const sorted = Float64Array.from(samples).sort();
  const center = median(sorted);
  const deviations = Float64Array.from(sorted, (x) => Math.abs(x - center)).sort();
  const mad = median(deviations);
  if (mad === 0) return [];
  const out: number[] = [];
  for (let i = 0; i < samples.length; i++) if ((0.6745 * Math.abs(samples[i]! - center)) / mad > 3.5) out.push(i);
  return out;
}

export function summarize(samples: ArrayLike<number>): SampleSummary {
  const sorted = Float64Array.from(samples).sort();
  const count = sorted.length;
  if (count === 0) throw new RangeError('Expected at least one sample');
  let sum = 0;
  for (const s of sorted) sum += s;
  const mean = sum / count;
  let squares = 0;
  for (const s of sorted) squares += (s - mean) ** 2;
  const stddev = count > 1 ? Math.sqrt(squares / (count - 1)) : 0;
  return {
    count,
    medianNs: median(sorted),
    meanNs: mean,
    stddevNs: stddev,
    cv: mean > 0 ? stddev / mean : 0,
    minNs: sorted[0]!,
    maxNs: sorted[count - 1]!,
    p10Ns: quantile(sorted, 10),
    p90Ns: quantile(sorted, 90),
    // Resampling thousands of samples 2000 times costs more than it tells: cap the input.
    ci95Ns: bootstrapMedianCi(count > 5000 ? sorted.filter((_, i) => i % Math.ceil(count / 5000) === 0) : samples),
    outliers: madOutliers(samples),
  };
}
