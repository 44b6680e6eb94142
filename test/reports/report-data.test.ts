// Report data from a fixture fleet: grouping by instance type, CPU cards, per-cell path
// comparison (roofline, speedups, hot and cold apart), model rows, failures, the baseline run.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { bandwidthAtThreads, buildReportData, type ReportData } from '../../reports/report-data.js';
import { mannWhitneyU } from '../../reports/sample-comparison.js';
import { CELLS, fillFleetStore, HOSTILE_CPU_MODEL, PATHS, type FleetFixture } from '../fixtures/reports/fleet-fixture.js';

let store: ResultStore;
let fleet: FleetFixture;

beforeEach(() => {
  store = ResultStore.open(':memory:');
  fleet = fillFleetStore(store);
});

afterEach(() => store.close());

function dataOf(withBaseline = false): ReportData {
  const runs = fleet.runIds.map((id) => store.getRun(id)!);
  return buildReportData({
    runs,
    results: store.results({ runIds: fleet.runIds }),
    failures: fleet.runIds.flatMap((id) => store.failures(id)),
    ...(withBaseline ? { baseline: { runs: [store.getRun(fleet.baselineRunId)!], results: store.results({ runIds: [fleet.baselineRunId] }) } } : {}),
  });
}

describe('buildReportData', () => {
  it('groups by instance type with a CPU card each', () => {
    const data = dataOf();
    expect(data.instances.map((i) => i.instanceType)).toEqual(['c7a.large', 'c7g.large', 'c7i.large']);
    const arm = data.instances.find((i) => i.instanceType === 'c7g.large')!;
    expect(arm.cpu).toMatchObject({
      modelName: HOSTILE_CPU_MODEL,
      arch: 'arm',
      microarchitecture: 'neoverse-v1',
      isasUsed: ['neon'],
      logicalCpus: 2,
      physicalCores: 1,
      peakReadGBs: 30,
    });
    expect(arm.cpu.isaFlags).toEqual(['neon', 'dotprod', 'i8mm', 'bf16']);
    expect(data.paths).toEqual([...PATHS]);
    expect(data.resultCount).toBe(3 * (PATHS.length * CELLS.length + PATHS.length * 2));
  });

  it('compares paths per cell, cold before hot, with roofline and speedups', () => {
    const c7i = dataOf().instances.find((i) => i.instanceType === 'c7i.large')!;
    expect(c7i.kernelCells.map((c) => c.key)).toEqual(['4096x4096 b1 1t cold', '4096x4096 b1 2t cold', '4096x4096 b1 2t hot', '4096x4096 b16 2t hot']);
    const cold = c7i.kernelCells[1]!;
    expect(cold.rows.map((r) => r.path)).toEqual([...PATHS]);
    const fused = cold.rows.find((r) => r.path === 'fused')!;
    // weightGBs over the 2-thread read bandwidth (20 GB/s).
    expect(fused.rooflineFraction).toBeCloseTo(fused.weightGBs! / 20, 10);
    expect(fused.speedupVsBaseline).toBeCloseTo(40, 0);
    expect(fused.speedupVsCachedF32).toBeCloseTo(4, 0);
    expect(cold.rows.find((r) => r.path === 'baseline')!.speedupVsBaseline).toBe(1);
    const oneThread = c7i.kernelCells[0]!.rows.find((r) => r.path === 'fused')!;
    expect(oneThread.rooflineFraction).toBeCloseTo(oneThread.weightGBs! / 12, 10);
    // Hot cells read from cache: no DRAM roofline.
    const hot = c7i.kernelCells[2]!;
    expect(hot.rows.every((r) => r.rooflineFraction === null)).toBe(true);
    expect(hot.rows.find((r) => r.path === 'baseline')!.noisy).toBe(true);
    expect(fused.ci95Ns![0]).toBeLessThanOrEqual(fused.medianNs!);
    expect(fused.sampleCount).toBe(30);
  });

  it('lists model rows with the roofline and the speedup over the baseline path', () => {
    const c7a = dataOf().instances.find((i) => i.instanceType === 'c7a.large')!;
    expect(c7a.models).toHaveLength(PATHS.length * 2);
    const fused = c7a.models.find((m) => m.path === 'fused' && m.batch === 1)!;
    expect(fused).toMatchObject({ preset: 'bitnet-b1.58-2b-4t', threads: 2, kv: 'bf16', rooflineTokS: 45 });
    expect(fused.rooflineFraction).toBeCloseTo(fused.decodeTokS! / 45, 10);
    expect(fused.speedupVsBaseline).toBeCloseTo(Math.sqrt(40), 5);
  });

  it('keeps failed jobs with their reasons, under their instance type', () => {
    const data = dataOf();
    expect(data.failures).toHaveLength(2);
    expect(data.failures[0]).toMatchObject({ instanceType: 'c7g.large', signal: 'SIGSEGV', attempt: 1 });
    expect(data.failures[1]).toMatchObject({ reason: 'timeout after 60 s', attempt: 2 });
    expect(data.instances.find((i) => i.instanceType === 'c7g.large')!.failures).toHaveLength(2);
    expect(data.runs.find((r) => r.instanceType === 'c7g.large')!.failureCount).toBe(2);
  });

  it('compares with a baseline run: the change, its significance and regressions', () => {
    const data = dataOf(true);
    expect(data.baselineRunIds).toEqual([fleet.baselineRunId]);
    const c7i = data.instances.find((i) => i.instanceType === 'c7i.large')!;
    const rows = c7i.kernelCells.flatMap((c) => c.rows);
    const fused = rows.filter((r) => r.path === 'fused');
    // The earlier run's fused was 20% faster: now a significant regression.
    expect(fused.every((r) => r.change?.regression === true)).toBe(true);
    expect(fused[0]!.change!.ratio).toBeCloseTo(1.25, 1);
    expect(fused[0]!.change!.comparison.pValue).toBeLessThan(0.001);
    // The other paths ran the same: no regression marked.
    expect(rows.filter((r) => r.path !== 'fused').every((r) => r.change !== null && !r.change.regression)).toBe(true);
    // Other instance types have no baseline to compare with.
    expect(data.instances.find((i) => i.instanceType === 'c7a.large')!.kernelCells[0]!.rows[0]!.change).toBeNull();
  });

  it('reads results that lack fields without throwing', () => {
    const data = buildReportData({
      runs: [{ id: 'r', startedAt: '2025-01-01T00:00:00Z', instanceType: 'x' }],
      results: [
        { jobId: 'a', runId: 'r', kind: 'kernel', instanceType: 'x', path: 'novel-path', isa: 'scalar', spec: null, result: 'garbage', fingerprint: 42, noisy: false },
        { jobId: 'b', runId: 'r', kind: 'model', instanceType: 'x', path: 'fused', isa: 'scalar', spec: {}, result: {}, fingerprint: {}, noisy: false },
      ],
      failures: [],
    });
    expect(data.paths).toEqual(['fused', 'novel-path']);
    expect(data.instances[0]!.cpu.modelName).toBeNull();
    expect(data.instances[0]!.kernelCells[0]!.rows[0]!.medianNs).toBeNull();
    expect(data.instances[0]!.models[0]!.decodeTokS).toBeNull();
  });

  it('reads malformed result fields as absent, through the result schema', () => {
    const fingerprint = { cpu: { modelName: 'Xeon' } };
    const data = buildReportData({
      runs: [{ id: 'r', startedAt: '2025-01-01T00:00:00Z', instanceType: 'x' }],
      results: [
        {
          jobId: 'k', runId: 'r', kind: 'kernel', instanceType: 'x', path: 'fused', isa: 'avx2', fingerprint, noisy: false,
          spec: { n: 64, k: 128, batch: 1, threads: 2, cache: 'hot' },
          result: { n: '64', medianNs: 'fast', ci95Ns: [1, 2, 3], cv: NaN, gops: '3', samples: 'many', outliers: 'none', noisy: 'yes', host: 5 },
        },
        {
          jobId: 'm', runId: 'r', kind: 'model', instanceType: 'x', path: 'fused', isa: 'avx2', fingerprint, noisy: false,
          spec: { preset: 'bitnet-b1.58-2b-4t', batch: 1, threads: 2, kv: 'bf16', prompt: 32, tokens: 64 },
          result: { preset: 7, decodeTokS: '12', prefillTokS: [1], rooflineFraction: {}, kv: null, sparsity: 'top-k', trials: 'x', host: 'i-1' },
        },
      ],
      failures: [],
    });
    const row = data.instances[0]!.kernelCells[0]!.rows[0]!;
    expect(data.instances[0]!.kernelCells[0]!.key).toBe('64x128 b1 2t hot');
    expect(row).toMatchObject({ medianNs: null, ci95Ns: null, cv: null, gops: null, sampleCount: 0, outlierCount: 0, noisy: false });
    const m = data.instances[0]!.models[0]!;
    expect(m).toMatchObject({ preset: 'bitnet-b1.58-2b-4t', kv: 'bf16', decodeTokS: null, prefillTokS: null, rooflineFraction: null, verdict: null });
    expect(data.instances[0]!.hostSpread).toEqual([]);
  });

  it('gives an instance type whose every job failed its card', () => {
    const data = buildReportData({
      runs: [{ id: 'r', startedAt: '2025-01-01T00:00:00Z', instanceType: 'm7i.large', fingerprint: { cpu: { modelName: 'Xeon' } } }],
      results: [],
      failures: [{ jobId: 'j', runId: 'r', reason: 'SIGILL', at: '2025-01-01T00:00:01Z' }],
    });
    expect(data.instances).toHaveLength(1);
    expect(data.instances[0]!.cpu.modelName).toBe('Xeon');
    expect(data.instances[0]!.failures).toHaveLength(1);
  });
});

describe('bandwidthAtThreads', () => {
  it('takes the largest measured thread count not above the asked one', () => {
    const curve = [{ threads: 1, readGBs: 10, triadGBs: null }, { threads: 4, readGBs: 30, triadGBs: null }];
    expect(bandwidthAtThreads(curve, 2)).toBe(10);
    expect(bandwidthAtThreads(curve, 8)).toBe(30);
    expect(bandwidthAtThreads([], 8)).toBeNull();
  });
});

describe('mannWhitneyU', () => {
  it('says when there are too few samples', () => {
    expect(mannWhitneyU([1, 2, 3], [1, 2, 3, 4, 5])).toMatchObject({ pValue: null, note: 'too few samples' });
  });

  it('finds no difference between identical sets and a clear one between separated sets', () => {
    const a = [10, 11, 12, 13, 14, 15, 16, 17];
    expect(mannWhitneyU(a, a).pValue).toBeGreaterThan(0.9);
    expect(mannWhitneyU(a, a.map((x) => x + 100)).pValue).toBeLessThan(0.001);
    expect(mannWhitneyU([5, 5, 5, 5, 5], [5, 5, 5, 5, 5]).pValue).toBe(1);
  });

  it('gives a moderate p-value for overlapping sets', () => {
    const a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((x) => x * 2);
    const b = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((x) => x * 2 + 7);
    const result = mannWhitneyU(a, b);
    expect(result.u).toBeGreaterThanOrEqual(0);
    expect(result.pValue).toBeGreaterThan(0);
    expect(result.pValue).toBeLessThan(0.1);
  });
});
