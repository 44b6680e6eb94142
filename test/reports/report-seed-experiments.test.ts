// The report's sections for the seed notebook's experiments: KV formats at a context,
// activation sparsity and attention sparsity, each a quality-against-speed table with a chart per
// instance type and the synthetic-weights note beside the quality figures; every result string
// escaped.
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../reports/build-report.js';
import type { ReportInput, ReportResultInput } from '../../reports/report-data.js';
import { SYNTHETIC_QUALITY_NOTE } from '../../reports/render-seed-experiments.js';
import { escapeHtml } from '../../reports/render-html.js';

const HOSTILE_PRESET = 'bitnet-b1.58-2b-4t<img src=x onerror=alert(1)>';
const RUN = { id: 'run-seed', startedAt: '2026-12-01T00:00:00.000Z', instanceType: 'c7i.large', matrixName: 'seed-experiments' };

let jobCount = 0;
function stored(kind: 'kernel' | 'model', path: string, spec: Record<string, unknown>, result: Record<string, unknown>): ReportResultInput {
  jobCount += 1;
  return {
    jobId: `job-${jobCount}`,
    runId: RUN.id,
    kind,
    instanceType: RUN.instanceType,
    path,
    isa: 'avx512-vnni',
    spec: { kind, path, ...spec },
    result: { path, isa: 'avx512-vnni', ...spec, ...result },
    fingerprint: {},
    noisy: false,
  };
}

const model = { preset: HOSTILE_PRESET, batch: 1, threads: 2, prompt: 16, tokens: 8, lmHead: 'int8' };
const kv = (format: string, bytes: number, tokS: number, cosine: number) =>
  stored('model', 'fused-i8', { ...model, kv: format, context: 8192 }, {
    fill: 'tiled', kvBytesPerSequence: bytes, decodeTokS: tokS, attentionShare: 0.41, attentionMsPerStep: 120, kvCosineMin: cosine,
  });
const sparse = (mode: string, level: number, speedup: number, cosine: number) =>
  stored('model', 'fused-i8', { ...model, prompt: 8, kv: 'bf16', sparsity: mode, sparsityLevel: level }, {
    decodeTokS: 3 * speedup,
    sparsity: { mode, level, zeroFraction: 1 - level, zeroBlockFraction: 0, sparseCallFraction: 0, denseDecodeTokS: 3, speedup, logitsCosineMin: cosine, logitsCosineMean: cosine + 0.01 },
  });
/** Attention sparsity at the KV section's bf16 cell, as seed-experiments.yaml expands it. */
const sparseAttention = (setting: Record<string, unknown>, tokS: number, attentionMs: number, dropped: number, cosine: number) => {
  const { mode, level, window, global } = setting as { mode: string; level?: number; window?: number; global?: number };
  const spec = mode === 'window' ? { attentionSparsity: mode, attentionWindow: window, attentionGlobal: global } : { attentionSparsity: mode, attentionLevel: level };
  return stored('model', 'fused-i8', { ...model, kv: 'bf16', context: 8192, ...spec }, {
    fill: 'tiled', decodeTokS: tokS, attentionShare: 0.2, attentionMsPerStep: attentionMs, kvCosineMin: 1,
    attentionSparsity: { ...setting, sparsity: dropped, cosineMin: cosine },
  });
};
const gemv = (fraction: number, speedup: number, pattern: 'blocks' | 'scattered' = 'blocks') =>
  stored('kernel', 'fused-i8', { n: 4096, k: 4096, batch: 1, threads: 2, cache: 'cold', ...(pattern === 'scattered' ? { sparsityPattern: pattern } : {}) }, {
    medianNs: 200_000 / speedup,
    sparsity: { requested: fraction, pattern, zeroFraction: fraction, zeroBlockFraction: pattern === 'blocks' ? fraction : 0, sparseCallFraction: 1, denseMedianNs: 200_000, speedup },
  });

const input: ReportInput = {
  runs: [RUN],
  results: [
    kv('bf16', 2_516_582_400, 2.0, 1),
    kv('int8', 1_297_612_800, 1.9, 0.9991),
    kv('fp8-e4m3', 1_297_612_800, 1.85, 0.9986),
    kv('fp8-e5m2', 1_297_612_800, 1.84, 0.995),
    sparse('top-k', 0.7, 0.93, 0.934),
    sparse('adaptive', 0.7, 0.9, 0.91),
    sparseAttention({ mode: 'window', window: 1024, global: 4 }, 3.0, 15, 0.87, 0.97),
    sparseAttention({ mode: 'top-k', level: 0.5 }, 2.1, 110, 0.5, 0.9993),
    sparseAttention({ mode: 'dynamic', level: 0.9 }, 2.2, 105, 0.53, 0.99),
    gemv(0.3, 1.14),
    gemv(0.5, 1.55),
    gemv(0.5, 1.2, 'scattered'),
    // A tiny check row at the default context: not an experiment, not in the sections.
    stored('model', 'fused', { preset: 'tiny', batch: 1, threads: 2, prompt: 8, tokens: 4, kv: 'bf16', lmHead: 'bf16' }, { decodeTokS: 900, kvBytesPerSequence: 1000, kvCosineMin: 1 }),
  ],
};

describe('report sections for KV formats and activation sparsity', () => {
  it('has the rows, with ratios against bf16 and dense', async () => {
    const { data } = await buildReport(input, { generatedAt: '2026-12-02T00:00:00.000Z' });
    const seed = data.instances[0]!.seedExperiments!;
    expect(seed.kvFormats.map((r) => r.kv)).toEqual(['bf16', 'fp8-e4m3', 'fp8-e5m2', 'int8']);
    const int8 = seed.kvFormats.find((r) => r.kv === 'int8')!;
    expect(int8.bytesVsBf16).toBeCloseTo(0.5156, 3);
    expect(int8.speedVsBf16).toBeCloseTo(0.95, 6);
    expect(int8.context).toBe(8192);
    expect(seed.modelSparsity.map((r) => `${r.mode} ${r.level} ${r.speedup}`)).toEqual(['adaptive 0.7 0.9', 'top-k 0.7 0.93']);
    // Zeros one by one and in blocks at the same share: two rows, the scattered ones last.
    expect(seed.kernelSparsity.map((r) => `${r.requested} ${r.pattern} ${r.speedup}`)).toEqual(['0.3 blocks 1.14', '0.5 blocks 1.55', '0.5 scattered 1.2']);
    // Sparse attention at the bf16 cell is its own table, against that bf16 (dense attention) row.
    expect(seed.kvFormats.filter((r) => r.kv === 'bf16')).toHaveLength(1);
    expect(seed.attentionSparsity.map((r) => `${r.mode} ${r.level ?? `${r.window}+${r.global}`} ${r.droppedFraction}`)).toEqual([
      'dynamic 0.9 0.53', 'top-k 0.5 0.5', 'window 1024+4 0.87',
    ]);
    const window = seed.attentionSparsity.find((r) => r.mode === 'window')!;
    expect(window).toMatchObject({ context: 8192, kv: 'bf16', decodeTokS: 3, denseDecodeTokS: 2, attentionMsPerStep: 15, denseAttentionMsPerStep: 120, cosineMin: 0.97 });
    expect(window.speedVsDense).toBeCloseTo(1.5, 9);
  });

  it('shows attention sparsity rows without a dense run of their cell, with no ratio', async () => {
    const attentionOnly = input.results.filter((r) => (r.spec as { attentionSparsity?: string }).attentionSparsity !== undefined);
    const { data, html } = await buildReport({ runs: [RUN], results: attentionOnly }, { generatedAt: '2026-12-02T00:00:00.000Z' });
    const seed = data.instances[0]!.seedExperiments!;
    expect(seed.kvFormats).toEqual([]);
    expect(seed.attentionSparsity).toHaveLength(3);
    expect(seed.attentionSparsity.every((r) => r.denseDecodeTokS === null && r.speedVsDense === null)).toBe(true);
    expect(html).toContain('<h3>Attention sparsity</h3>');
    expect(html).not.toContain('KV cache formats at long context');
  });

  it('renders both sections with a chart each and the synthetic-weights note, escaped, in one self-contained page', async () => {
    const { html } = await buildReport(input, { generatedAt: '2026-12-02T00:00:00.000Z' });
    expect(html).toContain('<h3>KV cache formats at long context</h3>');
    expect(html).toContain('<h3>Activation sparsity</h3>');
    expect(html).toContain('<h3>Attention sparsity</h3>');
    expect(html).toContain('Sparse GEMV against dense');
    expect(html.split(escapeHtml(SYNTHETIC_QUALITY_NOTE)).length - 1).toBe(3);
    expect(html).toContain(escapeHtml('c7i.large: KV format, min cosine vs bf16 against decode tok/s'));
    expect(html).toContain(escapeHtml('c7i.large: activation sparsity, logits cosine against speed vs dense'));
    expect(html).toContain(escapeHtml('c7i.large: attention sparsity, min cosine vs dense against speed vs dense'));
    // Attention rows: the setting worded as elsewhere, scores dropped, speed against dense.
    const attention = html.slice(html.indexOf('<h3>Attention sparsity</h3>'));
    expect(attention).toContain('<td>window 1024+4</td>');
    expect(attention).toContain('<td>dynamic 0.9</td>');
    expect(attention).toContain('87.0%');
    expect(attention).toContain('1.50×');
    expect(attention).toContain('0.9993');
    // Table figures: bytes, ratios, cosines, achieved sparsity.
    expect(html).toContain('2.3 GiB');
    expect(html).toContain('0.52×');
    expect(html).toContain('0.9991');
    expect(html).toContain('1.55×');
    expect(html).toContain('30.0%');
    expect(html).toContain('<td>one by one</td>');
    expect(html).toContain('<td>in blocks</td>');
    // Two quality-against-speed charts with marks, inline.
    const section = html.slice(html.indexOf('KV cache formats at long context'));
    expect((section.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(section).toContain('mark-symbol');
    // Escaped everywhere, SVG text included; the page stays script- and URL-free.
    expect(html).not.toContain('<img src=x');
    expect(html).toContain(escapeHtml(HOSTILE_PRESET));
    expect(html.match(/<script/i)).toBeNull();
    expect(html.match(/https?:\/\//i)).toBeNull();
  });

  it('leaves the sections out when no such result ran', async () => {
    const { html, data } = await buildReport({ runs: [RUN], results: input.results.slice(-1) }, { generatedAt: '2026-12-02T00:00:00.000Z' });
    expect(data.instances[0]!.seedExperiments).toBeUndefined();
    expect(html).not.toContain('KV cache formats at long context');
    expect(html).not.toContain(escapeHtml(SYNTHETIC_QUALITY_NOTE));
  });
});
