// The verdict of one stored result on its own, with its own fingerprint's ceilings: what
// `bitbench local` prints after a run and what the exports carry, the same words as the report.
import { isCheckPreset, isCheckShape } from './check-rows.js';
import { bandwidthOf, computeOf } from './cpu-card.js';
import { kernelFacts, kernelRow } from './kernel-rows.js';
import { num, record, str } from './read-json.js';
import type { ReportResultInput } from './report-input.js';
import { classifyModel, type Verdict } from './verdict.js';

export type VerdictInputResult = Pick<ReportResultInput, 'jobId' | 'runId' | 'kind' | 'path' | 'isa' | 'spec' | 'result' | 'fingerprint' | 'noisy'> & {
  medianNs?: number;
};

export function verdictOfResult(stored: VerdictInputResult, fingerprint: unknown = stored.fingerprint): Verdict | null {
  if (stored.kind === 'model') {
    const result = record(stored.result);
    return classifyModel(num(result.rooflineFraction), str(result.bandwidthSource));
  }
  if (stored.kind !== 'kernel') return null;
  const input = { ...stored, instanceType: '' };
  return kernelRow(input, kernelFacts(input), bandwidthOf(fingerprint), computeOf(fingerprint)).verdict;
}

/** The words a table prints: the verdict, or that the row is a check (nothing to bound), or '-'. */
export function verdictWords(stored: VerdictInputResult, fingerprint: unknown = stored.fingerprint): string {
  const result = record(stored.result);
  const spec = record(stored.spec);
  if (stored.kind === 'kernel' && isCheckShape(num(result.n, spec.n), num(result.k, spec.k))) return 'check: too small to measure';
  if (stored.kind === 'model' && isCheckPreset(str(result.preset, spec.preset))) return 'check: test model';
  return verdictOfResult(stored, fingerprint)?.text ?? '-';
}
