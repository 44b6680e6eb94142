// A cell against the same cell of a baseline run (`--baseline RUN_ID`): the change of its
// median and whether a test on the two cells' trial figures calls it significant (trial-comparison.ts:
// raw samples of one sitting would call a fraction of a percent significant).
import { compareTrialFigures, type TrialComparison } from './trial-comparison.js';

/** One baseline-run comparison of a row: the change of the median and whether it is significant. */
export interface BaselineChange {
  baselineMedian: number;
  /** current / baseline: above 1 is slower for times, faster for tokens/s. */
  ratio: number;
  comparison: TrialComparison;
  /** Significantly worse than the baseline run (p < 0.05 and more than 2% slower). */
  regression: boolean;
  improvement: boolean;
}

const REGRESSION_THRESHOLD = 0.02;

export function changeOf(current: number[], previous: number[], currentMedian: number | null, previousMedian: number | null, higherIsBetter: boolean): BaselineChange | null {
  if (currentMedian === null || previousMedian === null || previousMedian <= 0) return null;
  const ratio = currentMedian / previousMedian;
  // current and previous: each trial's figure (trial medians in ns, or trial tokens/s).
  const comparison = compareTrialFigures(current, previous);
  const significant = comparison.pValue !== null && comparison.pValue < 0.05;
  const worse = higherIsBetter ? ratio < 1 - REGRESSION_THRESHOLD : ratio > 1 + REGRESSION_THRESHOLD;
  const better = higherIsBetter ? ratio > 1 + REGRESSION_THRESHOLD : ratio < 1 - REGRESSION_THRESHOLD;
  return { baselineMedian: previousMedian, ratio, comparison, regression: significant && worse, improvement: significant && better };
}
