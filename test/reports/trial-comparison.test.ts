// Comparisons test trial-level figures, and with too few trials they say so instead of guessing:
// the report's baseline change, the summary's speedups (one speedup rule for both).
import { describe, expect, it } from 'vitest';
import { compareTrialFigures, describeComparison } from '../../reports/trial-comparison.js';
import { formatSpeedup, referenceFor, speedupOver } from '../../reports/speedup.js';
import { changeOf } from '../../reports/baseline-change.js';
import { summarizeRun } from '../../coordinator/local/run-summary.js';
import type { StoredResult } from '../../coordinator/store/result-store.js';
import type { Fingerprint } from '../../runner/fingerprint/fingerprint.js';

describe('compareTrialFigures', () => {
  it('says "too few trials" below three a side, with no p-value', () => {
    const c = compareTrialFigures([100, 101], [200, 201, 202]);
    expect(c).toEqual({ pValue: null, sizes: [2, 3], note: 'too few trials' });
    expect(describeComparison(c)).toMatch(/^too few trials \(2 vs 3; 3 needed\)$/);
  });

  it('calls a clear difference significant and overlapping trials not', () => {
    expect(compareTrialFigures([100, 101, 99, 100], [120, 121, 119, 120]).pValue).toBeLessThan(0.001);
    expect(compareTrialFigures([100, 104, 97], [101, 98, 103]).pValue).toBeGreaterThan(0.5);
  });

  it('drives the baseline change: thousands of tight samples no longer make 0.5% significant', () => {
    const change = changeOf([1005, 990, 1020], [1000, 1010, 985], 1005, 998, false);
    expect(change!.regression).toBe(false);
    expect(change!.comparison.note).toBe('ok');
    expect(changeOf([1005], [1000, 1010, 985], 1005, 998, false)!.comparison.note).toBe('too few trials');
  });
});

describe('speedups', () => {
  const rows = [
    { runId: 'r', path: 'baseline', isa: 'avx2', medianNs: 400 },
    { runId: 'r', path: 'baseline', isa: 'avx512', medianNs: 300 },
    { runId: 'r', path: 'fused', isa: 'avx512', medianNs: 100 },
    { runId: 'r', path: 'fused', isa: 'scalar', medianNs: 200 },
  ];

  it('pairs with the same ISA where the reference ran on several, else the first', () => {
    expect(referenceFor(rows, rows[2]!, 'baseline')).toBe(rows[1]);
    expect(referenceFor(rows, rows[3]!, 'baseline')).toBe(rows[0]);
  });

  it('formats a significant speedup plainly, and says n.s. or too few trials otherwise', () => {
    expect(formatSpeedup(speedupOver({ medianNs: 300, trialMedians: [300, 301, 299] }, { medianNs: 100, trialMedians: [100, 101, 99] }))).toBe('3.00x');
    expect(formatSpeedup(speedupOver({ medianNs: 101, trialMedians: [100, 104, 97] }, { medianNs: 100, trialMedians: [101, 98, 103] }))).toBe('1.01x (n.s.)');
    expect(formatSpeedup(speedupOver({ medianNs: 300, trialMedians: [300] }, { medianNs: 100, trialMedians: [100] }))).toBe('3.00x (too few trials)');
  });

  it("appear in `bitbench local`'s summary with the same rule", () => {
    const kernel = (path: string, medianNs: number, trials: number[]): StoredResult => ({
      jobId: path, runId: 'r', kind: 'kernel', instanceType: 'local', path, isa: 'avx2', spec: {}, fingerprint: {}, noisy: false,
      startedAt: '2025-01-01T00:00:00.000Z', finishedAt: '2025-01-01T00:00:01.000Z', medianNs,
      result: {
        path, isa: 'avx2', n: 64, k: 64, batch: 1, threads: 1, cache: 'hot', medianNs, ci95Ns: [medianNs * 0.9, medianNs * 1.1], cv: 0.01,
        withinTrialCv: 0.01, betweenTrialCv: 0.02, gops: 1, weightGBs: 1, samples: trials,
        trials: trials.map((m, trial) => ({ trial, medianNs: m, samples: [m] })),
      },
    });
    const text = summarizeRun([kernel('baseline', 300_000, [300_000]), kernel('fused', 100_000, [100_000])], { bandwidth: [] } as unknown as Fingerprint);
    expect(text).toMatch(/fused .* 3\.00x \(too few trials\)/);
    expect(text).toMatch(/1\.0%\/2\.0%/);
  });
});
