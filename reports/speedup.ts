// The one speedup rule, used by `bitbench local`'s summary and by the report: a row against the
// row of a reference path (baseline, cached-f32) in the same run and cell, on the same ISA where
// the reference ran on several (a forced-ISA comparison), else the first one found. The ratio is
// of the cells' medians; whether it differs from 1 is tested on the trials' medians. A cell is
// the caller's grouping, and it carries every setting that changes the work (a kernel's share of
// activations zeroed; a model's KV format, context, LM head and sparsity): rows of different
// settings are never in one cell, so never paired.
import { compareTrialFigures, type TrialComparison } from './trial-comparison.js';

interface Candidate {
  runId: string;
  path: string;
  isa: string;
}

/** A kernel row (its median time) or a model row (its decode tokens/s): measured where not null. */
export type SpeedupCandidate = Candidate & ({ medianNs: number | null } | { decodeTokS: number | null });

function measured(row: SpeedupCandidate): boolean {
  return 'medianNs' in row ? row.medianNs !== null : row.decodeTokS !== null;
}

/** The reference row for `row` among `rows` (one cell's rows), or undefined. */
export function referenceFor<T extends SpeedupCandidate>(rows: readonly T[], row: T, path: string): T | undefined {
  const candidates = rows.filter((r) => r.path === path && r.runId === row.runId && measured(r));
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
