// What bounds a cell, in words, from constructed results: the classification itself, its use
// in the report data (each kernel row against its own fingerprint's ceilings), checks kept
// apart, the headline and the fleet overview on the fleet fixture, and the same words in
// `bitbench local`'s summary and the CSV export.
import { describe, expect, it } from 'vitest';
import { summarizeRun } from '../../coordinator/local/run-summary.js';
import { ResultStore, type NewRun, type StoredResult } from '../../coordinator/store/result-store.js';
import { exportResults } from '../../coordinator/store/export-results.js';
import type { Fingerprint } from '../../runner/fingerprint/fingerprint.js';
import { pricesFromRuns } from '../../reports/cost.js';
import { buildFleetOverview } from '../../reports/fleet-overview.js';
import { buildHeadline } from '../../reports/headline.js';
import { buildReportData } from '../../reports/report-data.js';
import { BOUND_THRESHOLD, classifyKernel, classifyModel, computeKindOfPath } from '../../reports/verdict.js';
import { fillFleetStore, INSTANCES, kernelResult, PRICES, runOf } from '../fixtures/reports/fleet-fixture.js';
import { localRunInput } from '../fixtures/reports/local-run-fixture.js';

const ceilings = { memoryGBs: 20, computeGops: 100, computeCeiling: 'avx2 fp32' };

describe('classifyKernel', () => {
  it('calls a cell near the memory ceiling memory-bound, with its share', () => {
    const v = classifyKernel({ ...ceilings, gops: 30, weightGBs: 17 })!;
    expect(v.bound).toBe('memory');
    expect(v.fraction).toBeCloseTo(0.85);
    expect(v.text).toBe('memory-bound at 85% of the memory ceiling');
    expect(v.computeFraction).toBeCloseTo(0.3);
  });

  it('calls a cell near its ISA peak compute-bound, naming the peak', () => {
    const v = classifyKernel({ ...ceilings, gops: 72, weightGBs: 5 })!;
    expect(v).toMatchObject({ bound: 'compute', text: 'compute-bound at 72% of the avx2 fp32 peak' });
  });

  it('says why a cell is past a ceiling rather than printing a share above 100% as if it were one', () => {
    expect(classifyKernel({ ...ceilings, gops: 30, weightGBs: 23 })!.text).toBe(
      'memory-bound: 115% of the memory ceiling (read faster than the bandwidth probe measured)',
    );
    expect(classifyKernel({ ...ceilings, gops: 121, weightGBs: 5 })!.text).toBe(
      'compute-bound: 121% of the avx2 fp32 peak (fewer instructions than 2nk multiply-adds)',
    );
  });

  it('names the nearer ceiling when a cell is past the threshold of both', () => {
    expect(classifyKernel({ ...ceilings, gops: 60, weightGBs: 18 })!.bound).toBe('memory');
    expect(classifyKernel({ ...ceilings, gops: 95, weightGBs: 12 })!.bound).toBe('compute');
  });

  it('says overhead, with both shares, when the cell is far from both ceilings', () => {
    const v = classifyKernel({ ...ceilings, gops: 27, weightGBs: 5.4 })!;
    expect(v.bound).toBe('overhead');
    expect(v.text).toBe('neither: overhead (27% of the memory ceiling, 27% of the avx2 fp32 peak)');
    expect(v.fraction).toBeLessThan(BOUND_THRESHOLD);
  });

  it('holds a hot cell (no DRAM ceiling) against compute only, and knows nothing without ceilings', () => {
    expect(classifyKernel({ ...ceilings, memoryGBs: null, gops: 80, weightGBs: 60 })).toMatchObject({ bound: 'compute', memoryFraction: null });
    expect(classifyKernel({ ...ceilings, memoryGBs: null, gops: 10, weightGBs: 60 })!.text).toBe('neither: overhead (10% of the avx2 fp32 peak)');
    expect(classifyKernel({ gops: 10, weightGBs: 1, memoryGBs: null, computeGops: null, computeCeiling: null })).toBeNull();
  });

  it('holds fused-i8 against the int8 peak and every other path against fp32', () => {
    expect(computeKindOfPath('fused-i8')).toBe('int8');
    for (const path of ['baseline', 'cached-f32', 'cached-bf16', 'fused']) expect(computeKindOfPath(path)).toBe('fp32');
  });

  it('classifies a model step by its memory share only (a step records no operation count)', () => {
    expect(classifyModel(0.83)).toMatchObject({ bound: 'memory', text: 'memory-bound at 83% of the memory ceiling' });
    expect(classifyModel(0.2)).toMatchObject({ bound: 'unclear', text: 'below the memory ceiling (20%): compute or overhead' });
    expect(classifyModel(null)).toBeNull();
  });

  it("says when a model's memory ceiling is the run's own reads, the bandwidth probe having read less", () => {
    expect(classifyModel(1, 'run')).toMatchObject({
      bound: 'memory', text: "memory-bound at 100% of the memory ceiling (this run's own reads: the bandwidth probe read less)",
    });
    expect(classifyModel(0.83, 'probe')?.text).toBe('memory-bound at 83% of the memory ceiling');
  });
});

function fleetInput() {
  const store = ResultStore.open(':memory:');
  const fleet = fillFleetStore(store);
  const input = { runs: fleet.runIds.map((id) => store.getRun(id)!), results: store.results({ runIds: fleet.runIds }), failures: [] };
  store.close();
  return input;
}

describe('verdicts in the report data', () => {
  it("reads each kernel row against its fingerprint's bandwidth and compute peaks", () => {
    const data = buildReportData(fleetInput());
    const c7a = data.instances.find((i) => i.instanceType === 'c7a.large')!;
    expect(c7a.cpu.compute.map((c) => c.isa)).toEqual(['avx512']);
    const cold = c7a.kernelCells.find((c) => c.key === '4096x4096 b1 2t cold')!;
    const fused = cold.rows.find((r) => r.path === 'fused')!;
    // 2·4096² ops in 0.9 ms = 37.3 GOPS against c7a's 64 GFLOPS at 2 threads.
    expect(fused.verdict).toMatchObject({ bound: 'compute', computeCeiling: 'avx512 fp32' });
    expect(fused.verdict!.computeFraction).toBeCloseTo(fused.gops! / 64, 10);
    const cached = cold.rows.find((r) => r.path === 'cached-f32')!;
    expect(cached.verdict!.bound).toBe('memory');
    expect(cached.verdict!.memoryFraction).toBeCloseTo(cached.weightGBs! / 25, 10);
    const i8 = cold.rows.find((r) => r.path === 'fused-i8')!;
    expect(i8.verdict!.computeCeiling).toBe('avx512 int8');
  });

  it('uses the memory ceiling alone where an older fingerprint has no compute probe', () => {
    const instance = { ...INSTANCES[0]!, instanceType: 'old.large' };
    const run = runOf('run-old', instance, '2025-01-01T00:00:00.000Z');
    const stored = kernelResult('run-old', instance, 'cached-f32', { n: 4096, k: 4096, batch: 1, threads: 2, cache: 'cold' }, { seed: 3 });
    const { compute: _compute, ...fingerprint } = stored.fingerprint as Record<string, unknown>;
    const data = buildReportData({ runs: [run], results: [{ ...stored, fingerprint }], failures: [] });
    const row = data.instances[0]!.kernelCells[0]!.rows[0]!;
    expect(row.verdict).toMatchObject({ bound: 'memory', computeFraction: null });
  });

  it('marks the tiny model and shapes too small to measure as checks, after the measurements', () => {
    const data = buildReportData(localRunInput());
    const local = data.instances[0]!;
    expect(local.kernelCells.map((c) => [c.key, c.check])).toEqual([
      ['4096x4096 b1 2t cold', false],
      ['4096x4096 b1 2t hot', false],
      ['4096x4096 b16 2t hot', false],
      ['64x64 b1 2t hot', true],
    ]);
    const checks = local.models.filter((m) => m.check);
    expect(checks.map((m) => m.preset)).toEqual(Array(5).fill('tiny'));
    expect(local.models.slice(-5).every((m) => m.check)).toBe(true);
  });
});

describe('headline and fleet overview', () => {
  it('picks per instance type the best path for decode and batched work, with speedups and cost', () => {
    const input = fleetInput();
    const data = buildReportData(input);
    const headline = buildHeadline(data, pricesFromRuns(input.runs));
    expect(headline.preset).toBe('bitnet-b1.58-2b-4t');
    const c7g = headline.cards.find((c) => c.instanceType === 'c7g.large')!;
    expect(c7g.decode).toMatchObject({ path: 'fused-i8', vsBaseline: { source: 'model' }, vsCachedBf16: { source: 'model' } });
    const tokS = c7g.decode!.tokS!;
    expect(c7g.decode!.usdPerMillionTokens).toBeCloseTo((PRICES['c7g.large']! / (tokS * 3600)) * 1e6, 10);
    expect(c7g.decode!.vsCachedBf16!.ratio).toBeGreaterThan(1);
    expect(c7g.batched!.modelCell).toMatch(/batch 8/);
    expect(c7g.decode!.verdict).not.toBeNull();
  });

  it('falls back to the kernel cell for speedups where the model ran no reference path', () => {
    const data = buildReportData(localRunInput());
    const card = buildHeadline(data, new Map()).cards[0]!;
    expect(card.decode).toMatchObject({ path: 'fused-i8', vsBaseline: { source: 'kernel' }, usdPerMillionTokens: null });
  });

  it('ranks instance types per path by throughput, per vCPU and per dollar, with the margin', () => {
    const input = fleetInput();
    const overview = buildFleetOverview(buildReportData(input), pricesFromRuns(input.runs));
    expect(overview.metric).toBe('tokens/s');
    expect(overview.instanceTypes).toEqual(['c7a.large', 'c7g.large', 'c7i.large']);
    expect(overview.cells).toHaveLength(15);
    const fusedI8 = overview.rankings.find((r) => r.path === 'fused-i8')!;
    expect(fusedI8.entries[0]!.instanceType).toBe('c7g.large');
    expect(fusedI8.margin).toBeCloseTo(fusedI8.entries[0]!.decode / fusedI8.entries[1]!.decode, 10);
    expect(fusedI8.bestPerDollar).toBe('c7g.large');
    const fused = overview.rankings.find((r) => r.path === 'fused')!;
    // c7a is fastest, c7i cheapest per token.
    expect(fused.entries[0]!.instanceType).toBe('c7a.large');
    expect(fused.bestPerDollar).toBe('c7i.large');
    for (const ranking of overview.rankings) {
      for (const e of ranking.entries) expect(e.perVcpu).toBeCloseTo(e.decode / 2, 10);
    }
  });
});

describe('verdicts outside the report', () => {
  it("are in `bitbench local`'s summary and the CSV export", () => {
    const input = localRunInput();
    const fingerprint = input.runs[0]!.fingerprint as unknown as Fingerprint;
    const stored = input.results.map((r) => ({ ...r, startedAt: '2026-12-01T09:00:00.000Z', finishedAt: '2026-12-01T09:00:01.000Z' }));
    const summary = summarizeRun(stored as never, fingerprint);
    expect(summary).toMatch(/memory-bound at \d+% of the memory ceiling|neither: overhead/);
    expect(summary).toMatch(/compute-bound at \d+% of the avx512-vnni (fp32|int8) peak/);

    const store = ResultStore.open(':memory:');
    try {
      store.createRun(input.runs[0] as NewRun);
      store.saveResults(stored as StoredResult[]);
      const [header, ...rows] = exportResults(store, { format: 'csv' }).trim().split('\n');
      const columns = header!.split(',');
      expect(columns).toEqual(expect.arrayContaining(['bound', 'bound_fraction', 'verdict']));
      expect(rows.some((row) => row.includes('compute-bound at'))).toBe(true);
    } finally {
      store.close();
    }
  });
});

describe("bitbench local's summary tells settings apart", () => {
  it('names the LM head, KV format and context, and each sparsity in the model rows, and the zeroed share in kernel cells', () => {
    const input = localRunInput();
    const fingerprint = input.runs[0]!.fingerprint as unknown as Fingerprint;
    const model = input.results.find((r) => r.kind === 'model' && r.path === 'fused-i8')!;
    const kernel = input.results.find((r) => r.kind === 'kernel' && r.path === 'fused-i8')!;
    const variant = (result: object) => ({ ...model, result: { ...(model.result as object), ...result } });
    const stored = [
      variant({ kv: 'fp8-e4m3', prompt: 16, context: 8192, lmHead: 'int8' }),
      variant({ kv: 'int8', prompt: 16, context: 16, lmHead: 'bf16' }),
      variant({ kv: 'bf16', lmHead: 'int8', sparsity: { mode: 'top-k', level: 0.7 } }),
      variant({ kv: 'bf16', lmHead: 'int8', attentionSparsity: { mode: 'window', window: 1024, global: 4 } }),
      { ...kernel, result: { ...(kernel.result as object), sparsity: { requested: 0.3 } } },
    ].map((r) => ({ ...r, startedAt: '2026-12-01T09:00:00.000Z', finishedAt: '2026-12-01T09:00:01.000Z' }));
    const summary = summarizeRun(stored as never, fingerprint);
    expect(summary).toContain('head int8, KV fp8-e4m3 @8192');
    expect(summary).toContain('head int8, KV bf16, act top-k 0.7');
    expect(summary).toContain('head int8, KV bf16, attn window 1024+4');
    expect(summary).toMatch(/ 30% zero /);
    // Decoding straight after the prompt is no long-context run: no position named.
    expect(summary).toContain('head bf16, KV int8 ');
  });
});
