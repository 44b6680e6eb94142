// The report tells settings apart: model rows that differ only by context, LM head, activation or
// attention sparsity (or KV format) are separate rows with the setting shown, speedups and the
// baseline-run change pair only rows of equal settings, and a kernel's dense and sparse runs of
// one shape are separate cells. The words are the export's (reports/setting-text.ts).
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../reports/build-report.js';
import { compareEngines } from '../../reports/engine-comparison.js';
import { hostSpread } from '../../reports/host-spread.js';
import { pathFigures } from '../../reports/path-figures.js';
import { buildReportData, type ReportResultInput } from '../../reports/report-data.js';
import { escapeHtml } from '../../reports/render-html.js';
import { referenceFor } from '../../reports/speedup.js';
import { activationSparsityText, attentionSparsityText, isPlainDecode, modelSettingText, zeroedShareText } from '../../reports/setting-text.js';

const PRESET = 'bitnet-b1.58-2b-4t';
const TYPE = 'c7i.large';
const fingerprint = { cpu: { modelName: 'Xeon' }, bandwidth: [{ threads: 2, readGBs: 20 }] };
const run = (id: string, startedAt = '2026-12-01T09:00:00.000Z') => ({ id, startedAt, instanceType: TYPE });

/** A model result at the default setting (kv bf16, bf16 head, dense, decoding right after a 32-token prompt), with `over` merged in. */
function model(jobId: string, runId: string, path: string, decodeTokS: number, over: Record<string, unknown> = {}, trials: number[] = []): ReportResultInput {
  return {
    jobId, runId, kind: 'model', instanceType: TYPE, path, isa: 'avx512', fingerprint, noisy: false, tokensPerS: decodeTokS,
    spec: { preset: PRESET, path, batch: 1, prompt: 32, tokens: 64, threads: 2 },
    result: {
      preset: PRESET, path, batch: 1, prompt: 32, tokens: 64, threads: 2, kv: 'bf16', context: 32, lmHead: 'bf16', decodeTokS,
      ...(trials.length ? { trials: trials.map((t, trial) => ({ trial, decodeTokS: t })) } : {}),
      ...over,
    },
  };
}

function kernel(jobId: string, runId: string, path: string, medianNs: number, sparsity?: number): ReportResultInput {
  return {
    jobId, runId, kind: 'kernel', instanceType: TYPE, path, isa: 'avx512', fingerprint, noisy: false, medianNs,
    spec: { path, n: 4096, k: 4096, batch: 1, threads: 2, cache: 'cold', ...(sparsity === undefined ? {} : { sparsity }) },
    result: {
      path, n: 4096, k: 4096, batch: 1, threads: 2, cache: 'cold', medianNs, samples: [medianNs],
      ...(sparsity === undefined ? {} : { sparsity: { requested: sparsity } }),
    },
  };
}

const LONG = { context: 8192 };
const HEAD = { lmHead: 'int8' };
const ACT = { sparsity: { mode: 'top-k', level: 0.7 } };
const ATTN = { attentionSparsity: { mode: 'window', window: 512, global: 4 } };

describe('setting words', () => {
  it('word each setting as the export does, and leave the defaults unsaid', () => {
    expect(activationSparsityText({ mode: 'top-k', level: 0.7 })).toBe('top-k 0.7');
    expect(activationSparsityText({ mode: 'none', level: 0.7 })).toBeUndefined();
    expect(attentionSparsityText({ mode: 'window', window: 512, global: 4 })).toBe('window 512+4');
    expect(attentionSparsityText({ mode: 'top-k', level: 0.25 })).toBe('top-k 0.25');
    expect(zeroedShareText(0.5)).toBe('50% zero');
    expect(zeroedShareText(0.505)).toBe('50.5% zero');
    expect(zeroedShareText(0)).toBeUndefined();
    const parts = { kv: 'int8', context: 8192, prompt: 32, lmHead: 'int8', activationSparsity: 'top-k 0.7', attentionSparsity: 'window 512+4' };
    expect(modelSettingText(parts)).toBe('kv int8 @8192, head int8, act top-k 0.7, attn window 512+4');
    expect(modelSettingText({ kv: 'int8', context: 32, prompt: 32, lmHead: 'bf16', activationSparsity: undefined, attentionSparsity: null })).toBe('kv int8');
    expect(isPlainDecode({ sparsity: null, attentionSparsity: null, context: 32, prompt: 32 })).toBe(true);
    expect(isPlainDecode({ sparsity: null, attentionSparsity: null, context: 8192, prompt: 32 })).toBe(false);
  });
});

describe('model rows by setting', () => {
  // baseline ran three of fused's five settings.
  const results = [
    model('b-plain', 'r', 'baseline', 2),
    model('b-long', 'r', 'baseline', 1, LONG),
    model('b-act', 'r', 'baseline', 4, ACT),
    model('f-plain', 'r', 'fused', 20),
    model('f-long', 'r', 'fused', 5, LONG),
    model('f-head', 'r', 'fused', 22, HEAD),
    model('f-act', 'r', 'fused', 30, ACT),
    model('f-attn', 'r', 'fused', 21, ATTN),
  ];

  it('keeps rows apart that differ only by context, LM head or sparsity, and pairs speedups only within a setting', () => {
    const rows = buildReportData({ runs: [run('r')], results }).instances[0]!.models;
    expect(rows).toHaveLength(results.length);
    const by = (jobId: string) => rows.find((r) => r.jobId === jobId)!;
    expect(by('f-plain').speedupVsBaseline).toBeCloseTo(10, 12);
    expect(by('f-long').speedupVsBaseline).toBeCloseTo(5, 12);
    expect(by('f-act').speedupVsBaseline).toBeCloseTo(7.5, 12);
    // No baseline ran with an int8 head or windowed attention: no speedup, rather than one against another setting.
    expect(by('f-head').speedupVsBaseline).toBeNull();
    expect(by('f-attn').speedupVsBaseline).toBeNull();
    expect(by('f-long')).toMatchObject({ context: 8192, prompt: 32, lmHead: 'bf16', sparsity: null, attentionSparsity: null });
    expect(by('f-act').sparsity).toEqual({ mode: 'top-k', level: 0.7 });
    expect(by('f-attn').attentionSparsity).toEqual({ mode: 'window', level: null, window: 512, global: 4 });
  });

  it('pairs a model row through the one rule: same run and cell, the same ISA first', () => {
    const rows = [
      { runId: 'r', path: 'baseline', isa: 'avx2', decodeTokS: 1 },
      { runId: 'r', path: 'baseline', isa: 'avx512', decodeTokS: null },
      { runId: 'r', path: 'fused', isa: 'avx512', decodeTokS: 9 },
    ];
    // The same ISA's baseline has no figure: the first measured one.
    expect(referenceFor(rows, rows[2]!, 'baseline')).toBe(rows[0]);
  });

  it('names each setting in the model table, and keys the cost table by it', async () => {
    const { html, data } = await buildReport({ runs: [{ ...run('r'), matrix: { prices: { [TYPE]: 0.1 } } }], results });
    for (const words of ['kv bf16 @8192', 'kv bf16, head int8', 'kv bf16, act top-k 0.7', 'kv bf16, attn window 512+4']) {
      expect(html).toContain(`<td>${escapeHtml(words)}</td>`);
    }
    expect(html).toContain('<th>setting</th>');
    // One cheapest row per setting: a sparse row is no rival of a dense one.
    const cheapest = (html.match(/<td>cheapest<\/td>/g) ?? []).length;
    expect(cheapest).toBe(results.length);
    expect(data.instances[0]!.models.map((m) => m.jobId)).toContain('f-attn');
  });

  it('compares with a baseline run only the row of the same setting', () => {
    const trials = [10, 10.1, 9.9];
    const data = buildReportData({
      runs: [run('now')],
      results: [model('f-plain', 'now', 'fused', 10, {}, trials), model('f-act', 'now', 'fused', 30, ACT, trials.map((t) => 3 * t))],
      // The earlier run measured only the sparse setting, and faster.
      baseline: { runs: [run('before', '2026-11-01T00:00:00.000Z')], results: [model('old-act', 'before', 'fused', 40, ACT, [40, 40.2, 39.8])] },
    });
    const rows = data.instances[0]!.models;
    expect(rows.find((r) => r.jobId === 'f-plain')!.change).toBeNull();
    const change = rows.find((r) => r.jobId === 'f-act')!.change!;
    expect(change.baselineMedian).toBe(40);
    expect(change.ratio).toBeCloseTo(0.75, 12);
    expect(change.regression).toBe(true);
  });

  it('pairs a result from before `context` with one decoding right after the prompt', () => {
    const old = model('old', 'before', 'fused', 10, { context: undefined }, [10, 10, 10]);
    const data = buildReportData({
      runs: [run('now')],
      results: [model('now', 'now', 'fused', 10, {}, [10, 10, 10]), model('now-long', 'now', 'fused', 5, LONG, [5, 5, 5])],
      baseline: { runs: [run('before', '2026-11-01T00:00:00.000Z')], results: [old] },
    });
    const rows = data.instances[0]!.models;
    expect(rows.find((r) => r.jobId === 'now')!.change?.ratio).toBe(1);
    expect(rows.find((r) => r.jobId === 'now-long')!.change).toBeNull();
  });

  it("gives the headline plain decode, and its speedups against the same cell's reference", () => {
    const data = buildReportData({ runs: [run('r')], results });
    const fused = pathFigures(data, data.instances[0]!).find((f) => f.path === 'fused')!;
    // The top-k row is the fastest, but a headline speaks of dense decode right after the prompt.
    expect(fused.decode.model?.jobId).toBe('f-head');
    // No baseline ran with an int8 head: no model speedup (the plain row's 10x is another cell).
    expect(fused.decode.vsBaseline).toBeNull();
  });

  it('leaves bitbench rows llama.cpp cannot match out of the engine comparison', () => {
    const llama = model('l', 'r', 'llama.cpp:tq2_0', 25, { engine: 'llama.cpp', quant: 'tq2_0' });
    const rows = buildReportData({ runs: [run('r')], results: [...results, llama] }).instances[0]!.models;
    const [comparison] = compareEngines(rows);
    // f-act (30 tok/s, sparse) would lead; the best dense row right after the prompt is f-head.
    expect(comparison!.decode!.bitbench.jobId).toBe('f-head');
  });
});

describe('kernel cells by activation sparsity', () => {
  const results = [
    kernel('b', 'r', 'baseline', 40_000_000),
    kernel('f', 'r', 'fused', 1_000_000),
    kernel('f-sparse', 'r', 'fused', 500_000, 0.5),
  ];

  it('puts a sparse run in its own cell, with no baseline to pair', () => {
    const cells = buildReportData({ runs: [run('r')], results }).instances[0]!.kernelCells;
    expect(cells.map((c) => c.key)).toEqual(['4096x4096 b1 2t cold', '4096x4096 b1 2t cold 50% zero']);
    expect(cells[0]!.rows.find((r) => r.path === 'fused')!.speedupVsBaseline).toBeCloseTo(40, 12);
    expect(cells[1]!.sparsity).toBe(0.5);
    expect(cells[1]!.rows.map((r) => [r.path, r.speedupVsBaseline])).toEqual([['fused', null]]);
  });

  it('compares with a baseline run only the cell of the same share zeroed', () => {
    const data = buildReportData({
      runs: [run('now')],
      results: [kernel('f', 'now', 'fused', 1_000_000), kernel('f-sparse', 'now', 'fused', 500_000, 0.5)],
      baseline: { runs: [run('before', '2026-11-01T00:00:00.000Z')], results: [kernel('old-sparse', 'before', 'fused', 400_000, 0.5)] },
    });
    const [dense, sparse] = data.instances[0]!.kernelCells;
    expect(dense!.rows[0]!.change).toBeNull();
    expect(sparse!.rows[0]!.change!.baselineMedian).toBe(400_000);
  });

  it("marks a model row whose roofline is the run's own reads, with both rates, and says so in its verdict", async () => {
    const fromRun = { rooflineFraction: 1, rooflineTokS: 30, bandwidthGBs: 26.1, bandwidthSource: 'run', probeBandwidthGBs: 13.04 };
    const { html } = await buildReport({ runs: [run('r')], results: [model('m-run', 'r', 'fused-i8', 30, fromRun), model('m-probe', 'r', 'fused', 20, { rooflineFraction: 0.9, bandwidthSource: 'probe' })] });
    expect(html).toContain(escapeHtml("roofline at 26.1 GB/s, this run's own reads; the bandwidth probe around it read 13.0 GB/s"));
    expect(html).toContain(escapeHtml("memory-bound at 100% of the memory ceiling (this run's own reads: the bandwidth probe read less)"));
    expect(html.split(`${escapeHtml("run's reads")}</span>`)).toHaveLength(2);
  });

  it('names the share zeroed in the cell caption', async () => {
    const { html } = await buildReport({ runs: [run('r')], results });
    expect(html).toContain(escapeHtml('4096×4096, batch 1, 2 threads, cold, 50% zero'));
  });

  it('spreads dense and sparse runs of a shape between hosts as different cells', () => {
    const on = (host: string, r: ReportResultInput) => ({ ...r, host });
    const spread = hostSpread([on('i-1', kernel('a', 'r', 'fused', 1_000_000)), on('i-2', kernel('b', 'r', 'fused', 500_000, 0.5))]);
    expect(spread[0]).toMatchObject({ kind: 'kernel', hosts: ['i-1', 'i-2'], sharedCells: 0 });
  });
});
