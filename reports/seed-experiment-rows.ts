// Stored results -> the rows of the seed notebook's experiments per instance type: KV cache
// formats at a context (bytes, speed, attention share, quality against bf16), activation
// sparsity (what was zeroed, speed and quality against dense, in the model and in the kernel)
// and attention sparsity (scores dropped, speed and attention time against the dense run of the
// same cell, attention quality against dense attention).
// Pure, and tolerant like the rest of reports/: a missing figure is null, shown as '–'.
import { isCheckPreset } from './check-rows.js';
import { llamaQuantOfPath } from './engine-comparison.js';
import { byText, num, record, str } from './read-json.js';
import type { ReportResultInput } from './report-input.js';
import { comparePaths } from './path-order.js';
import { attentionSparsityText } from './setting-text.js';
import { readKernelResult, readModelResult } from '../runner/protocol/result-schema.js';

/** The model cell a seed-experiment row belongs to. */
interface ModelCell {
  preset: string | null;
  path: string;
  batch: number | null;
  threads: number | null;
}

export interface KvFormatRow extends ModelCell {
  kv: string | null;
  context: number | null;
  fill: string | null;
  kvBytesPerSequence: number | null;
  /** This row's bytes over the bf16 row's of the same cell; null without one. */
  bytesVsBf16: number | null;
  decodeTokS: number | null;
  speedVsBf16: number | null;
  attentionShare: number | null;
  attentionMsPerStep: number | null;
  /** Smallest cosine of a layer's attention output against a bf16 cache's (1 for bf16). */
  kvCosineMin: number | null;
}

export interface ModelSparsityRow extends ModelCell {
  mode: string | null;
  level: number | null;
  zeroFraction: number | null;
  zeroBlockFraction: number | null;
  sparseCallFraction: number | null;
  decodeTokS: number | null;
  denseDecodeTokS: number | null;
  speedup: number | null;
  logitsCosineMin: number | null;
  logitsCosineMean: number | null;
}

export interface AttentionSparsityRow extends ModelCell {
  kv: string | null;
  context: number | null;
  mode: string | null;
  /** top-k, threshold, dynamic. */
  level: number | null;
  /** window: positions kept at the end, and the first ones always kept. */
  window: number | null;
  global: number | null;
  /** Fraction of (query head, position) scores dropped over the timed steps. */
  droppedFraction: number | null;
  decodeTokS: number | null;
  /** The dense-attention run of the same cell (model, path, batch, threads, KV, context, LM head); null without one. */
  denseDecodeTokS: number | null;
  speedVsDense: number | null;
  attentionMsPerStep: number | null;
  denseAttentionMsPerStep: number | null;
  /** Smallest cosine of a layer's attention output against dense attention over the same cache. */
  cosineMin: number | null;
}

export interface KernelSparsityRow {
  path: string;
  isa: string;
  n: number | null;
  k: number | null;
  batch: number | null;
  threads: number | null;
  cache: string | null;
  requested: number | null;
  /** How the fraction was zeroed: aligned blocks, or scattered one by one (top-k's shape). */
  pattern: 'blocks' | 'scattered';
  zeroFraction: number | null;
  zeroBlockFraction: number | null;
  sparseCallFraction: number | null;
  medianNs: number | null;
  denseMedianNs: number | null;
  speedup: number | null;
}

export interface SeedExperimentRows {
  kvFormats: KvFormatRow[];
  modelSparsity: ModelSparsityRow[];
  attentionSparsity: AttentionSparsityRow[];
  kernelSparsity: KernelSparsityRow[];
}

/** True when any experiment ran: the report shows the sections only then. */
export function hasSeedExperimentRows(rows: SeedExperimentRows): boolean {
  return rows.kvFormats.length + rows.modelSparsity.length + rows.attentionSparsity.length + rows.kernelSparsity.length > 0;
}

const kvCell = (r: KvFormatRow) => [r.preset, r.path, r.batch, r.threads, r.context].join('|');

// Results are read through the one schema (a malformed field reads as absent); figures it does
// not name (fill, kvBytesPerSequence, ...) pass through it as they are and are read with num/str.
function isBitbenchModel(stored: ReportResultInput): boolean {
  const result = readModelResult(stored.result);
  return stored.kind === 'model' && llamaQuantOfPath(stored.path) === null && str(result.engine, record(stored.spec).engine, 'bitbench') === 'bitbench';
}

/** A model result that dropped cached positions from attention (the result's mode, else the spec's). */
function hasSparseAttention(stored: ReportResultInput): boolean {
  const mode = str(readModelResult(stored.result).attentionSparsity?.mode, record(stored.spec).attentionSparsity);
  return mode !== null && mode !== 'none';
}

function modelCellOf(stored: ReportResultInput, result: ReturnType<typeof readModelResult>, spec: Record<string, unknown>): ModelCell {
  return {
    preset: str(result.preset, spec.preset),
    path: stored.path,
    batch: num(result.batch, spec.batch),
    threads: num(result.threads, spec.threads),
  };
}

function kvFormatRow(stored: ReportResultInput): KvFormatRow {
  const result = readModelResult(stored.result);
  const spec = record(stored.spec);
  return {
    ...modelCellOf(stored, result, spec),
    kv: str(result.kv, spec.kv),
    context: num(result.context, spec.context),
    fill: str(result.fill, spec.fill),
    kvBytesPerSequence: num(result.kvBytesPerSequence),
    bytesVsBf16: null,
    decodeTokS: num(stored.tokensPerS, result.decodeTokS),
    speedVsBf16: null,
    attentionShare: num(result.attentionShare),
    attentionMsPerStep: num(result.attentionMsPerStep),
    kvCosineMin: num(result.kvCosineMin),
  };
}

/**
 * Model rows of a KV experiment: dense bitbench runs of a real preset in cells (model, path,
 * batch, threads, context) where a context was asked for or a format other than bf16 ran.
 */
export function kvFormatRows(results: readonly ReportResultInput[]): KvFormatRow[] {
  // Sparse attention at the same cell is another experiment (attentionSparsityRows), not a bf16 row.
  const candidates = results.filter(
    (s) => isBitbenchModel(s) && readModelResult(s.result).sparsity === undefined && record(s.spec).sparsity === undefined && !hasSparseAttention(s),
  );
  const rows = candidates.map((stored) => ({ stored, row: kvFormatRow(stored) })).filter(({ row }) => !isCheckPreset(row.preset));
  const experimentCells = new Set(
    rows.filter(({ stored, row }) => record(stored.spec).context !== undefined || (row.kv !== null && row.kv !== 'bf16')).map(({ row }) => kvCell(row)),
  );
  const kept = rows.map(({ row }) => row).filter((row) => experimentCells.has(kvCell(row)));
  for (const row of kept) {
    const bf16 = kept.find((r) => r.kv === 'bf16' && kvCell(r) === kvCell(row));
    if (!bf16) continue;
    if (row.kvBytesPerSequence !== null && bf16.kvBytesPerSequence) row.bytesVsBf16 = row.kvBytesPerSequence / bf16.kvBytesPerSequence;
    if (row.decodeTokS !== null && bf16.decodeTokS) row.speedVsBf16 = row.decodeTokS / bf16.decodeTokS;
  }
  return kept.sort(
    (a, b) =>
      byText(a.preset ?? '', b.preset ?? '') ||
      comparePaths(a.path, b.path) ||
      (a.batch ?? 0) - (b.batch ?? 0) ||
      (a.threads ?? 0) - (b.threads ?? 0) ||
      (a.context ?? 0) - (b.context ?? 0) ||
      byText(a.kv ?? '', b.kv ?? ''),
  );
}

export function modelSparsityRows(results: readonly ReportResultInput[]): ModelSparsityRow[] {
  const rows: ModelSparsityRow[] = [];
  for (const stored of results) {
    if (!isBitbenchModel(stored)) continue;
    const result = readModelResult(stored.result);
    const s = result.sparsity;
    if (s === undefined) continue;
    const spec = record(stored.spec);
    rows.push({
      ...modelCellOf(stored, result, spec),
      mode: str(s.mode, spec.sparsity),
      level: num(s.level, spec.sparsityLevel),
      zeroFraction: num(s.zeroFraction),
      zeroBlockFraction: num(s.zeroBlockFraction),
      sparseCallFraction: num(s.sparseCallFraction),
      decodeTokS: num(stored.tokensPerS, result.decodeTokS),
      denseDecodeTokS: num(s.denseDecodeTokS),
      speedup: num(s.speedup),
      logitsCosineMin: num(s.logitsCosineMin),
      logitsCosineMean: num(s.logitsCosineMean),
    });
  }
  return rows.sort(
    (a, b) =>
      byText(a.preset ?? '', b.preset ?? '') ||
      comparePaths(a.path, b.path) ||
      (a.batch ?? 0) - (b.batch ?? 0) ||
      (a.threads ?? 0) - (b.threads ?? 0) ||
      byText(a.mode ?? '', b.mode ?? '') ||
      (a.level ?? 0) - (b.level ?? 0),
  );
}

/** What pairs an attention-sparse run with its dense one: everything but the attention setting. */
function attentionCellOf(stored: ReportResultInput): string {
  const result = readModelResult(stored.result);
  const spec = record(stored.spec);
  return [
    str(result.preset, spec.preset), stored.path, num(result.batch, spec.batch), num(result.threads, spec.threads),
    str(result.kv, spec.kv), num(result.prompt, spec.prompt), num(result.context, spec.context), str(result.lmHead, spec.lmHead, 'bf16'),
  ].join('|');
}

/**
 * Model rows of an attention sparsity experiment, each against the run of the same cell with
 * dense attention and dense activations (the seed matrix's `none`), where one ran.
 */
export function attentionSparsityRows(results: readonly ReportResultInput[]): AttentionSparsityRow[] {
  const bitbench = results.filter((s) => isBitbenchModel(s) && readModelResult(s.result).sparsity === undefined && record(s.spec).sparsity === undefined);
  const dense = new Map<string, ReportResultInput>();
  for (const stored of bitbench) if (!hasSparseAttention(stored)) dense.set(attentionCellOf(stored), stored);
  const rows: AttentionSparsityRow[] = [];
  for (const stored of bitbench) {
    if (!hasSparseAttention(stored)) continue;
    const result = readModelResult(stored.result);
    const spec = record(stored.spec);
    const a = result.attentionSparsity;
    const denseStored = dense.get(attentionCellOf(stored));
    const denseResult = denseStored ? readModelResult(denseStored.result) : undefined;
    const decodeTokS = num(stored.tokensPerS, result.decodeTokS);
    const denseDecodeTokS = denseStored ? num(denseStored.tokensPerS, denseResult?.decodeTokS) : null;
    rows.push({
      ...modelCellOf(stored, result, spec),
      kv: str(result.kv, spec.kv),
      context: num(result.context, spec.context),
      mode: str(a?.mode, spec.attentionSparsity),
      level: num(a?.level, spec.attentionLevel),
      window: num(a?.window, spec.attentionWindow),
      global: num(a?.global, spec.attentionGlobal),
      droppedFraction: num(record(a).sparsity),
      decodeTokS,
      denseDecodeTokS,
      speedVsDense: decodeTokS !== null && denseDecodeTokS ? decodeTokS / denseDecodeTokS : null,
      attentionMsPerStep: num(result.attentionMsPerStep),
      denseAttentionMsPerStep: num(denseResult?.attentionMsPerStep),
      cosineMin: num(record(a).cosineMin),
    });
  }
  return rows
    .filter((row) => !isCheckPreset(row.preset))
    .sort(
      (a, b) =>
        byText(a.preset ?? '', b.preset ?? '') ||
        comparePaths(a.path, b.path) ||
        (a.batch ?? 0) - (b.batch ?? 0) ||
        (a.threads ?? 0) - (b.threads ?? 0) ||
        (a.context ?? 0) - (b.context ?? 0) ||
        byText(a.kv ?? '', b.kv ?? '') ||
        byText(attentionSparsityText(a) ?? '', attentionSparsityText(b) ?? ''),
    );
}

export function kernelSparsityRows(results: readonly ReportResultInput[]): KernelSparsityRow[] {
  const rows: KernelSparsityRow[] = [];
  for (const stored of results) {
    if (stored.kind !== 'kernel') continue;
    const result = readKernelResult(stored.result);
    const s = result.sparsity;
    if (s === undefined) continue;
    const spec = record(stored.spec);
    rows.push({
      path: stored.path,
      isa: stored.isa,
      n: num(result.n, spec.n),
      k: num(result.k, spec.k),
      batch: num(result.batch, spec.batch),
      threads: num(result.threads, spec.threads),
      cache: str(result.cache, spec.cache),
      requested: num(s.requested, spec.sparsity),
      pattern: (s.pattern ?? spec.sparsityPattern) === 'scattered' ? 'scattered' : 'blocks',
      zeroFraction: num(s.zeroFraction),
      zeroBlockFraction: num(s.zeroBlockFraction),
      sparseCallFraction: num(s.sparseCallFraction),
      medianNs: num(stored.medianNs, result.medianNs),
      denseMedianNs: num(s.denseMedianNs),
      speedup: num(s.speedup),
    });
  }
  return rows.sort(
    (a, b) =>
      comparePaths(a.path, b.path) ||
      (a.n ?? 0) - (b.n ?? 0) ||
      (a.k ?? 0) - (b.k ?? 0) ||
      (a.batch ?? 0) - (b.batch ?? 0) ||
      (a.threads ?? 0) - (b.threads ?? 0) ||
      byText(a.cache ?? '', b.cache ?? '') ||
      byText(a.pattern, b.pattern) ||
      (a.requested ?? 0) - (b.requested ?? 0),
  );
}

export function seedExperimentRows(results: readonly ReportResultInput[]): SeedExperimentRows {
  return {
    kvFormats: kvFormatRows(results),
    modelSparsity: modelSparsityRows(results),
    attentionSparsity: attentionSparsityRows(results),
    kernelSparsity: kernelSparsityRows(results),
  };
}
