// The one speedup rule, used by `bitbench local`'s summary and by the report: a row against the
// row of a reference path (baseline, cached-f32) in the same run and cell, on the same ISA where
// the reference ran on several (a forced-ISA comparison), else the first one found. The ratio is
// of the cells' medians; whether it differs from 1 is tested on the trials' medians.
import { compareTrialFigures, type TrialComparison } from './trial-comparison.js';

export interface SpeedupCandidate {
  runId: string;
  path: string;
  isa: string;
  medianNs: number | null;
}

/** The reference row for `row` among `rows` (one cell's rows), or undefined. */
export function referenceFor<T extends SpeedupCandidate>(rows: readonly T[], row: T, path: string): T | undefined {
  const candidates = rows.filter((r) => r.path === path && r.runId === row.runId && r.medianNs !== null);
  return candidates.find((r) => r.isa === row.isa) ?? candidates[0];
}

export interface Speedup {
  /** reference time / this time: above 1 this row is faster. */
  ratio: number;
  comparison: TrialComparison;
}

/** `row` against `reference`, given each one's trial medians (ns). */
export function speedupOver(
  reference: { medianNs: number | null; trialMedians: readonly number[] },
  row: { medianNs: number | null; trialMedians: readonly number[] },
): Speedup | null {
  if (reference.medianNs === null || row.medianNs === null || !(row.medianNs > 0)) return null;
  return { ratio: reference.medianNs / row.medianNs, comparison: compareTrialFigures(row.trialMedians, reference.trialMedians) };
}

/** '2.31x', '1.01x (n.s.)' or '1.01x (too few trials)': a speedup as the summary prints it. */
export function formatSpeedup(speedup: Speedup | null): string {
  if (speedup === null) return '-';
  const ratio = `${speedup.ratio.toFixed(2)}x`;
  if (speedup.comparison.note === 'too few trials') return `${ratio} (too few trials)`;
  const p = speedup.comparison.pValue;
  return p !== null && p < 0.05 ? ratio : `${ratio} (n.s.)`;
}
