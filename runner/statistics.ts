// Summary statistics of timing samples, the way benchmark tools report them: the median with
// a distribution-free 95% confidence interval (order statistics of the binomial), mean,
// standard deviation and coefficient of variation.

export interface SampleSummary {
  count: number;
  medianNs: number;
  meanNs: number;
  stddevNs: number;
  cv: number;
  minNs: number;
  maxNs: number;
  /** 95% confidence interval of the median. */
  ci95Ns: [number, number];
}

export function median(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// Ranks j < k such that P(X_(j) <= median <= X_(k)) >= 95% for n samples: n/2 -+ 1.96 sqrt(n)/2
// (normal approximation to the binomial), clamped to the sample.
function medianConfidenceRanks(n: number): [number, number] {
  const half = 1.959964 * Math.sqrt(n) / 2;
  const lower = Math.max(0, Math.floor(n / 2 - half) - 1);
  const upper = Math.min(n - 1, Math.ceil(n / 2 + half));
  return [lower, upper];
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
  const [lo, hi] = medianConfidenceRanks(count);
  return {
    count,
    medianNs: median(sorted),
    meanNs: mean,
    stddevNs: stddev,
    cv: mean > 0 ? stddev / mean : 0,
    minNs: sorted[0]!,
    maxNs: sorted[count - 1]!,
    ci95Ns: [sorted[lo]!, sorted[hi]!],
  };
}
