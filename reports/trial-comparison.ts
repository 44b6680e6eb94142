// Whether two cells differ, judged on their trials (each trial one independent sitting), not on
// raw samples: samples within a sitting are autocorrelated and share its page placement and
// frequency state, so a test over thousands of them calls a fraction of a percent significant.
// Welch's t-test on the logarithms of the trial figures (log: a ratio is what is compared, and
// timings spread multiplicatively). A permutation test would need no normality, but with 3 trials
// a side its smallest two-sided p-value is 0.1: it could never say anything. Below
// MIN_TRIALS_TO_COMPARE trials on either side the comparison says so instead of guessing.
import { MIN_TRIALS_TO_COMPARE } from '../runner/protocol/sampling-defaults.js';
import { studentTCdf } from '../runner/student-t.js';

export { MIN_TRIALS_TO_COMPARE };

export interface TrialComparison {
  /** Two-sided p-value; null with too few trials (or figures that are not positive). */
  pValue: number | null;
  /** Trials on each side: [current, reference]. */
  sizes: [number, number];
  note: 'ok' | 'too few trials';
}

function meanAndVariance(xs: readonly number[]): [number, number] {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
  return [mean, variance];
}

/** Welch's t-test on log figures of two sets of trials. */
export function compareTrialFigures(current: readonly number[], reference: readonly number[]): TrialComparison {
  const sizes: [number, number] = [current.length, reference.length];
  if (current.length < MIN_TRIALS_TO_COMPARE || reference.length < MIN_TRIALS_TO_COMPARE) {
    return { pValue: null, sizes, note: 'too few trials' };
  }
  if (![...current, ...reference].every((x) => Number.isFinite(x) && x > 0)) return { pValue: null, sizes, note: 'ok' };
  const [ma, va] = meanAndVariance(current.map(Math.log));
  const [mb, vb] = meanAndVariance(reference.map(Math.log));
  const sa = va / current.length;
  const sb = vb / reference.length;
  const se = Math.sqrt(sa + sb);
  if (se === 0) return { pValue: ma === mb ? 1 : 0, sizes, note: 'ok' };
  const t = (ma - mb) / se;
  // Welch-Satterthwaite degrees of freedom.
  const df = (sa + sb) ** 2 / ((sa * sa) / (current.length - 1) + (sb * sb) / (reference.length - 1));
  return { pValue: Math.min(1, 2 * studentTCdf(-Math.abs(t), df)), sizes, note: 'ok' };
}

/** What a comparison says in a table cell: 'p=0.012', or 'too few trials'. */
export function describeComparison(comparison: TrialComparison): string {
  if (comparison.note === 'too few trials') return `too few trials (${comparison.sizes[0]} vs ${comparison.sizes[1]}; ${MIN_TRIALS_TO_COMPARE} needed)`;
  const p = comparison.pValue;
  return p === null ? 'no test' : `p=${p < 0.001 ? '<0.001' : p.toFixed(3)}`;
}
