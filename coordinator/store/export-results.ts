// Stored results written out: JSON lines (everything, as stored), CSV (one row of figures per
// result, for a spreadsheet) or a Markdown table like llama-bench's. A result written by an
// older or newer runner may lack a field or hold a malformed one; the tables read it through the
// one result schema (runner/protocol/result-schema.ts), so its cell is left empty, never an exception.
import type { ResultStore, StoredResult } from './result-store.js';
import { readKernelResult, readModelResult, type KernelResultView, type ModelResultView } from '../../runner/protocol/result-schema.js';
import { csvField } from '../../reports/text-safety/csv-field.js';
import { jsonText } from '../../reports/text-safety/json-text.js';
import { markdownCell } from '../../reports/text-safety/markdown-cell.js';
import { maxOf } from '../../reports/number-extremes.js';
import { verdictOfResult } from '../../reports/result-verdict.js';
import { activationSparsityText, attentionSparsityText, modelSettingText, zeroedShareText } from '../../reports/setting-text.js';

export const EXPORT_FORMATS = ['jsonl', 'csv', 'md'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /** Only these runs (default: every run). An id the store does not have is an error. */
  runIds?: readonly string[];
  format: ExportFormat;
}

type JsonRecord = Record<string, unknown>;

function record(value: unknown): JsonRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonRecord) : {};
}

function firstNumber(...candidates: unknown[]): number | undefined {
  return candidates.find((c): c is number => typeof c === 'number' && Number.isFinite(c));
}

function firstString(...candidates: unknown[]): string | undefined {
  return candidates.find((c): c is string => typeof c === 'string' && c !== '');
}

/** The figures of one result that the tables show, each absent when the result lacks it. */
export interface ResultRowView {
  jobId: string;
  runId: string;
  kind: string;
  instanceType: string;
  cpuModel?: string;
  path: string;
  isa: string;
  n?: number;
  k?: number;
  preset?: string;
  batch?: number;
  threads?: number;
  cache?: string;
  kv?: string;
  medianNs?: number;
  ci95Ns?: [number, number];
  cv?: number;
  gops?: number;
  weightGBs?: number;
  tokensPerS?: number;
  prefillTokS?: number;
  rooflineFraction?: number;
  /** What bounds it (reports/verdict.ts): memory, compute, overhead or unclear, and the words. */
  bound?: string;
  boundFraction?: number;
  verdict?: string;
  noisy: boolean;
  startedAt: string;
  finishedAt: string;
  /** How many trials the result combines; absent for a result from before trials. */
  trials?: number;
  /** Where the interval comes from: 'trials' (between trials) or 'samples' (one trial's). */
  intervalSource?: string;
  withinTrialCv?: number;
  /** Absent with one trial. */
  betweenTrialCv?: number;
  /** Kernel: where a repeat run's median lands, 95% of the time (ns). */
  rerun95Ns?: [number, number];
  /** Model: the 95% interval of decode tokens/s, and where a repeat run's lands. */
  decodeTokSCi95?: [number, number];
  decodeTokSRerun95?: [number, number];
  /** The machine that measured it (EC2 instance id or hostname). */
  host?: string;
  /** Model: KV cache position of the first decode step, the prompt, the LM head's type. */
  context?: number;
  prompt?: number;
  lmHead?: string;
  /** Kernel: the fraction of activations zeroed that was asked for; model: 'mode level'. */
  activationSparsity?: number | string;
  /** Kernel: zeroed one by one rather than in aligned blocks. */
  scatteredSparsity?: boolean;
  /** Model: 'mode level', or 'window W+G' (window and global tokens). */
  attentionSparsity?: string;
}

function kernelFigures(r: KernelResultView): Partial<ResultRowView> {
  return {
    ci95Ns: r.ci95Ns,
    cv: r.cv,
    gops: r.gops,
    weightGBs: r.weightGBs,
    rerun95Ns: r.rerun95Ns,
    activationSparsity: r.sparsity?.requested,
    ...(r.sparsity?.pattern === 'scattered' ? { scatteredSparsity: true } : {}),
  };
}

function modelFigures(r: ModelResultView): Partial<ResultRowView> {
  return {
    prefillTokS: r.prefillTokS ?? undefined,
    rooflineFraction: r.rooflineFraction ?? undefined,
    decodeTokSCi95: r.decodeTokSCi95,
    decodeTokSRerun95: r.decodeTokSRerun95,
    context: r.context,
    prompt: r.prompt,
    lmHead: r.lmHead,
    activationSparsity: activationSparsityText(r.sparsity),
    attentionSparsity: attentionSparsityText(r.attentionSparsity),
  };
}

export function viewOf(stored: StoredResult): ResultRowView {
  // Read as the kind it is: a model result's figures through the model schema, anything else
  // (a kernel result) through the kernel one.
  const model = stored.kind === 'model' ? readModelResult(stored.result) : undefined;
  const kernel = model ? undefined : readKernelResult(stored.result);
  const result = model ?? kernel!;
  const spec = record(stored.spec);
  const cpu = record(record(stored.fingerprint).cpu);
  const config = firstString(spec.config);
  const figures = model ? modelFigures(model) : kernelFigures(kernel!);
  const view: ResultRowView = {
    jobId: stored.jobId,
    runId: stored.runId,
    kind: stored.kind,
    instanceType: stored.instanceType,
    cpuModel: firstString(cpu.modelName),
    path: stored.path,
    isa: stored.isa,
    n: firstNumber(kernel?.n, spec.n),
    k: firstNumber(kernel?.k, spec.k),
    preset: firstString(model?.preset, spec.preset, config?.split(/[\\/]/).pop()),
    batch: firstNumber(result.batch, spec.batch),
    threads: firstNumber(result.threads, spec.threads),
    cache: firstString(kernel?.cache, spec.cache),
    kv: firstString(model?.kv, spec.kv),
    medianNs: firstNumber(stored.medianNs, kernel?.medianNs),
    tokensPerS: firstNumber(stored.tokensPerS, model?.decodeTokS),
    noisy: stored.noisy,
    startedAt: stored.startedAt,
    finishedAt: stored.finishedAt,
    ...figures,
    trials: result.trials?.length,
    intervalSource: result.intervalSource,
    withinTrialCv: result.withinTrialCv,
    betweenTrialCv: result.betweenTrialCv ?? undefined,
    host: firstString(stored.host, result.host),
  };
  const verdict = verdictOfResult(stored);
  if (verdict) Object.assign(view, { bound: verdict.bound, boundFraction: verdict.fraction, verdict: verdict.text });
  return view;
}

// ---- JSON lines

function toJsonLines(results: StoredResult[]): string {
  return results
    .map((r) =>
      jsonText({
        jobId: r.jobId,
        runId: r.runId,
        kind: r.kind,
        instanceType: r.instanceType,
        path: r.path,
        isa: r.isa,
        spec: r.spec,
        result: r.result,
        fingerprint: r.fingerprint,
        // Every line has every key: a column reader sees null, not a missing key.
        host: r.host ?? null,
        medianNs: r.medianNs ?? null,
        tokensPerS: r.tokensPerS ?? null,
        noisy: r.noisy,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
      }) + '\n',
    )
    .join('');
}

// ---- CSV (RFC 4180 quoting; '\n' line ends, which every CSV reader accepts)

const CSV_COLUMNS: [string, (v: ResultRowView, r: StoredResult) => unknown][] = [
  ['job_id', (v) => v.jobId],
  ['run_id', (v) => v.runId],
  ['kind', (v) => v.kind],
  ['instance_type', (v) => v.instanceType],
  ['cpu_model', (v) => v.cpuModel],
  ['path', (v) => v.path],
  ['isa', (v) => v.isa],
  ['n', (v) => v.n],
  ['k', (v) => v.k],
  ['preset', (v) => v.preset],
  ['batch', (v) => v.batch],
  ['threads', (v) => v.threads],
  ['cache', (v) => v.cache],
  ['kv', (v) => v.kv],
  ['median_ns', (v) => v.medianNs],
  ['ci95_low_ns', (v) => v.ci95Ns?.[0]],
  ['ci95_high_ns', (v) => v.ci95Ns?.[1]],
  ['cv', (v) => v.cv],
  ['gops', (v) => v.gops],
  ['weight_gbs', (v) => v.weightGBs],
  ['tokens_per_s', (v) => v.tokensPerS],
  ['prefill_tokens_per_s', (v) => v.prefillTokS],
  ['roofline_fraction', (v) => v.rooflineFraction],
  ['bound', (v) => v.bound],
  ['bound_fraction', (v) => v.boundFraction],
  ['verdict', (v) => v.verdict],
  ['noisy', (v) => v.noisy],
  ['started_at', (v) => v.startedAt],
  ['finished_at', (v) => v.finishedAt],
  // Added with trials (issues 13 and 15): after the older columns, so a sheet that reads columns
  // by position keeps reading them; the spec stays last.
  ['trials', (v) => v.trials],
  ['interval_source', (v) => v.intervalSource],
  ['within_trial_cv', (v) => v.withinTrialCv],
  ['between_trial_cv', (v) => v.betweenTrialCv],
  ['rerun95_low_ns', (v) => v.rerun95Ns?.[0]],
  ['rerun95_high_ns', (v) => v.rerun95Ns?.[1]],
  ['decode_tok_s_ci95_low', (v) => v.decodeTokSCi95?.[0]],
  ['decode_tok_s_ci95_high', (v) => v.decodeTokSCi95?.[1]],
  ['decode_tok_s_rerun95_low', (v) => v.decodeTokSRerun95?.[0]],
  ['decode_tok_s_rerun95_high', (v) => v.decodeTokSRerun95?.[1]],
  ['host', (v) => v.host],
  ['context', (v) => v.context],
  ['lm_head', (v) => v.lmHead],
  ['activation_sparsity', (v) => v.activationSparsity],
  ['attention_sparsity', (v) => v.attentionSparsity],
  ['spec_json', (_v, r) => JSON.stringify(r.spec)],
];

// Quoting, formula neutralising (OWASP CSV injection) and control characters: text-safety/csv-field.ts.
export { csvField } from '../../reports/text-safety/csv-field.js';

function toCsv(results: StoredResult[]): string {
  const lines = [CSV_COLUMNS.map(([name]) => name).join(',')];
  for (const r of results) {
    const view = viewOf(r);
    lines.push(CSV_COLUMNS.map(([, get]) => csvField(get(view, r))).join(','));
  }
  return lines.join('\n') + '\n';
}

// ---- Markdown, like llama-bench's: one row per result, numbers right-aligned, padded

function decimalsFor(x: number): number {
  const magnitude = Math.abs(x);
  return magnitude >= 100 ? 1 : magnitude >= 1 ? 3 : 4;
}

/** '0.2350 ± 0.0012 ms' (half the width of the 95% CI of the median), or tokens/s for a model. */
function speedCell(v: ResultRowView): string {
  if (v.kind === 'model') {
    return v.tokensPerS === undefined ? '-' : `${v.tokensPerS.toFixed(2)} tok/s`;
  }
  if (v.medianNs === undefined) return v.tokensPerS === undefined ? '-' : `${v.tokensPerS.toFixed(2)} tok/s`;
  const ms = v.medianNs / 1e6;
  const digits = decimalsFor(ms);
  const ci = v.ci95Ns ? ` ± ${((v.ci95Ns[1] - v.ci95Ns[0]) / 2e6).toFixed(digits)}` : '';
  return `${ms.toFixed(digits)}${ci} ms`;
}

function rateCell(v: ResultRowView): string {
  if (v.kind !== 'model' && v.gops !== undefined) return `${v.gops.toFixed(2)} GOPS`;
  if (v.rooflineFraction !== undefined) return `${(100 * v.rooflineFraction).toFixed(1)}% roofline`;
  return v.gops === undefined ? '-' : `${v.gops.toFixed(2)} GOPS`;
}

function shapeCell(v: ResultRowView): string | undefined {
  if (v.kind === 'kernel' || v.preset === undefined) return v.n !== undefined && v.k !== undefined ? `${v.n}x${v.k}` : v.preset;
  return v.preset;
}

/**
 * 'kv int8 @8192, head int8, act top-k 0.7, attn window 512+4': what tells model rows of one
 * preset and path apart, worded as the report words it (reports/setting-text.ts). A kernel row's
 * cache mode gains the share of activations zeroed ('cold 50% zero').
 */
function cacheCell(v: ResultRowView): string | undefined {
  if (v.kind !== 'model') {
    const zeroed = typeof v.activationSparsity === 'number' ? zeroedShareText(v.activationSparsity, v.scatteredSparsity) : undefined;
    return v.cache === undefined || zeroed === undefined ? (v.cache ?? zeroed) : `${v.cache} ${zeroed}`;
  }
  const activation = typeof v.activationSparsity === 'string' ? v.activationSparsity : undefined;
  return modelSettingText({ kv: v.kv, context: v.context, prompt: v.prompt, lmHead: v.lmHead, activationSparsity: activation, attentionSparsity: v.attentionSparsity });
}

const MD_COLUMNS: { title: string; right: boolean; cell: (v: ResultRowView) => string | number | undefined }[] = [
  { title: 'instance type', right: false, cell: (v) => v.instanceType },
  { title: 'cpu model', right: false, cell: (v) => v.cpuModel },
  { title: 'path', right: false, cell: (v) => v.path },
  { title: 'isa', right: false, cell: (v) => v.isa },
  { title: 'kind', right: false, cell: (v) => v.kind },
  { title: 'shape/preset', right: false, cell: shapeCell },
  { title: 'batch', right: true, cell: (v) => v.batch },
  { title: 'threads', right: true, cell: (v) => v.threads },
  { title: 'cache', right: false, cell: cacheCell },
  { title: 'median ms or tok/s ± CI', right: true, cell: speedCell },
  { title: 'GOPS or roofline', right: true, cell: rateCell },
  { title: 'noisy', right: false, cell: (v) => (v.noisy ? 'noisy' : '') },
  { title: 'bound', right: false, cell: (v) => v.verdict },
];

function markdownCellOf(value: string | number | undefined): string {
  return value === undefined ? '-' : markdownCell(String(value));
}

// Runs execute jobs in a shuffled order; a table reads best grouped by machine and shape.
function compareViews(a: ResultRowView, b: ResultRowView): number {
  const text = (x: string | undefined, y: string | undefined) => (x ?? '').localeCompare(y ?? '', 'en', { numeric: true });
  const number = (x: number | undefined, y: number | undefined) => (x ?? Infinity) - (y ?? Infinity) || 0;
  return (
    text(a.instanceType, b.instanceType) ||
    text(a.kind, b.kind) ||
    text(shapeCell(a), shapeCell(b)) ||
    number(a.batch, b.batch) ||
    number(a.threads, b.threads) ||
    text(cacheCell(a), cacheCell(b)) ||
    text(a.path, b.path) ||
    text(a.isa, b.isa) ||
    text(a.jobId, b.jobId)
  );
}

function toMarkdown(results: StoredResult[]): string {
  const views = results.map(viewOf).sort(compareViews);
  const rows = views.map((v) => MD_COLUMNS.map((c) => markdownCellOf(c.cell(v))));
  const widths = MD_COLUMNS.map((c, i) => maxOf(rows.map((row) => row[i]!.length), c.title.length, 3));
  const line = (cells: string[]) =>
    '| ' + cells.map((cell, i) => (MD_COLUMNS[i]!.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ') + ' |';
  const rule = '| ' + widths.map((w, i) => (MD_COLUMNS[i]!.right ? '-'.repeat(w - 1) + ':' : '-'.repeat(w))).join(' | ') + ' |';
  return [line(MD_COLUMNS.map((c) => c.title)), rule, ...rows.map(line)].join('\n') + '\n';
}

export function exportResults(store: Pick<ResultStore, 'results' | 'getRun'>, options: ExportOptions): string {
  const { runIds, format } = options;
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new TypeError(`Expected one of ${EXPORT_FORMATS.join(', ')} for format but received '${String(format)}'`);
  }
  if (runIds !== undefined) {
    const unknown = runIds.filter((id) => store.getRun(id) === undefined);
    if (unknown.length > 0) throw new RangeError(`No run ${unknown.map((id) => `'${id}'`).join(', ')} in the result store`);
  }
  const results = store.results(runIds === undefined ? {} : { runIds });
  if (format === 'jsonl') return toJsonLines(results);
  if (format === 'csv') return toCsv(results);
  return toMarkdown(results);
}
