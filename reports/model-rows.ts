// Model results -> rows: decode and prefill tokens/s, the bandwidth roofline, speedup over the
// baseline path of the same model cell, the engine (bitbench or llama.cpp) and the verdict. A
// model cell is a preset at one batch, threads, prompt, tokens and setting (KV format, a context
// past the prompt, LM head, activation and attention sparsity): rows that differ in a setting are
// never paired, neither for a speedup nor against a baseline run.
import type { BaselineChange } from './baseline-change.js';
import { isCheckPreset } from './check-rows.js';
import { LLAMA_ENGINE, llamaQuantOfPath } from './engine-comparison.js';
import { comparePaths } from './path-order.js';
import type { ReportResultInput } from './report-input.js';
import { byText, num, record, str } from './read-json.js';
import { readModelResult } from '../runner/protocol/result-schema.js';
import { classifyModel, type Verdict } from './verdict.js';
import { referenceFor } from './speedup.js';
import { activationSparsityText, attentionSparsityText, isLongContext, modelSettingText } from './setting-text.js';

export interface ModelRow {
  jobId: string;
  runId: string;
  preset: string | null;
  /** bitbench, or llama.cpp (whose rows' path is `llama.cpp:<quant>`). */
  engine: string;
  /** llama.cpp's weight type; null for bitbench. */
  quant: string | null;
  /** The ggml CPU backend llama.cpp loaded; null for bitbench or where the result lacks it. */
  llamaCpuVariant: string | null;
  path: string;
  isa: string;
  batch: number | null;
  threads: number | null;
  kv: string | null;
  prompt: number | null;
  tokens: number | null;
  /** KV cache position of the first decode step; past the prompt in a long-context run. */
  context: number | null;
  lmHead: string | null;
  /** Activation sparsity; null: dense. */
  sparsity: ModelSparsitySetting | null;
  /** Attention sparsity; null: every cached position. */
  attentionSparsity: AttentionSparsitySetting | null;
  decodeTokS: number | null;
  prefillTokS: number | null;
  p50Ms: number | null;
  rooflineTokS: number | null;
  rooflineFraction: number | null;
  bandwidthGBs: number | null;
  /** 'run': the roofline's bandwidth is the decode's own read rate, the probe (probeBandwidthGBs) having read less; null: the probe's (or an older result). */
  bandwidthSource: 'probe' | 'run' | null;
  probeBandwidthGBs: number | null;
  peakRssBytes: number | null;
  speedupVsBaseline: number | null;
  /** The tiny test model (check-rows.ts): shown apart, as a check. */
  check: boolean;
  verdict: Verdict | null;
  noisy: boolean;
  change: BaselineChange | null;
}

export interface ModelSparsitySetting {
  mode: string;
  level: number | null;
}

export interface AttentionSparsitySetting {
  mode: string;
  level: number | null;
  window: number | null;
  global: number | null;
}

export type ModelFacts = Pick<
  ModelRow,
  'preset' | 'batch' | 'threads' | 'kv' | 'prompt' | 'tokens' | 'context' | 'lmHead' | 'sparsity' | 'attentionSparsity'
>;

/** A sparsity mode that is on (absent and 'none' are off). */
function modeOn(mode: unknown): string | null {
  const m = str(mode);
  return m !== null && m !== 'none' ? m : null;
}

export function modelFacts(stored: ReportResultInput): ModelFacts {
  // The result through the one schema (a malformed field reads as absent); the spec as stored.
  const result = readModelResult(stored.result);
  const spec = record(stored.spec);
  const config = str(spec.config);
  // The result names the settings it ran with; a job spec names them flat (sparsity, sparsityLevel, ...).
  const activationMode = modeOn(result.sparsity?.mode ?? spec.sparsity);
  const attentionMode = modeOn(result.attentionSparsity?.mode ?? spec.attentionSparsity);
  const a = result.attentionSparsity;
  return {
    preset: str(result.preset, spec.preset, config?.split(/[\\/]/).pop()),
    batch: num(result.batch, spec.batch),
    threads: num(result.threads, spec.threads),
    kv: str(result.kv, spec.kv),
    prompt: num(result.prompt, spec.prompt),
    tokens: num(result.tokens, spec.tokens),
    context: num(result.context, spec.context),
    lmHead: str(result.lmHead, spec.lmHead),
    sparsity: activationMode === null ? null : { mode: activationMode, level: num(result.sparsity?.level, spec.sparsityLevel) },
    attentionSparsity:
      attentionMode === null
        ? null
        : {
            mode: attentionMode,
            level: num(a?.level, spec.attentionLevel),
            window: num(a?.window, spec.attentionWindow),
            global: num(a?.global, spec.attentionGlobal),
          },
  };
}

/**
 * The model cell: what a speedup and a baseline run's row pair on. The context counts only past
 * the prompt (a result from before `context` decoded right after it, as one at context = prompt does).
 */
export function modelKey(instanceType: string, row: ModelFacts): string {
  const s = row.sparsity;
  const a = row.attentionSparsity;
  return JSON.stringify([
    instanceType, row.preset, row.batch, row.threads, row.kv, row.prompt, row.tokens,
    isLongContext(row.context, row.prompt) ? row.context : null, row.lmHead,
    s?.mode ?? null, s?.level ?? null, a?.mode ?? null, a?.level ?? null, a?.window ?? null, a?.global ?? null,
  ]);
}

/** 'kv int8 @8192, head int8, act top-k 0.7, attn window 512+4': the row's setting as the tables show it. */
export function modelSetting(row: ModelFacts): string | undefined {
  return modelSettingText({
    kv: row.kv,
    context: row.context,
    prompt: row.prompt,
    lmHead: row.lmHead,
    activationSparsity: activationSparsityText(row.sparsity),
    attentionSparsity: attentionSparsityText(row.attentionSparsity),
  });
}

export function modelRow(stored: ReportResultInput): ModelRow {
  const result = readModelResult(stored.result);
  const spec = record(stored.spec);
  const facts = modelFacts(stored);
  const pathQuant = llamaQuantOfPath(stored.path);
  const engine = str(result.engine, spec.engine) ?? (pathQuant !== null ? LLAMA_ENGINE : 'bitbench');
  const rooflineFraction = num(result.rooflineFraction);
  return {
    jobId: stored.jobId,
    runId: stored.runId,
    engine,
    quant: engine === LLAMA_ENGINE ? str(result.quant, spec.quant, pathQuant) : null,
    llamaCpuVariant: engine === LLAMA_ENGINE ? str(record(result.llama).cpuVariant) : null,
    path: stored.path,
    isa: stored.isa,
    ...facts,
    decodeTokS: num(stored.tokensPerS, result.decodeTokS),
    prefillTokS: num(result.prefillTokS),
    p50Ms: num(result.p50Ms),
    rooflineTokS: num(result.rooflineTokS),
    rooflineFraction,
    bandwidthGBs: num(result.bandwidthGBs),
    bandwidthSource: result.bandwidthSource ?? null,
    probeBandwidthGBs: num(result.probeBandwidthGBs),
    peakRssBytes: num(result.peakRssBytes),
    speedupVsBaseline: null,
    check: isCheckPreset(facts.preset),
    verdict: classifyModel(rooflineFraction, result.bandwidthSource ?? null),
    noisy: stored.noisy,
    change: null,
  };
}

/** The rows of each model cell (modelKey), in the order given. */
export function modelCells<T extends ModelFacts>(models: readonly T[]): T[][] {
  const cells = new Map<string, T[]>();
  for (const row of models) {
    const key = modelKey('', row);
    cells.set(key, [...(cells.get(key) ?? []), row]);
  }
  return [...cells.values()];
}

/** Speedup over the baseline path of the same run and model cell (speedup.ts's one rule picks the row). */
export function fillModelSpeedups(models: ModelRow[]): void {
  for (const cell of modelCells(models)) {
    for (const row of cell) {
      const reference = referenceFor(cell, row, 'baseline');
      row.speedupVsBaseline = reference && row.decodeTokS !== null && reference.decodeTokS! > 0 ? row.decodeTokS / reference.decodeTokS! : null;
    }
  }
}

/** Measurements before checks, then by model, batch, threads, setting, path and ISA. */
export function compareModelRows(a: ModelRow, b: ModelRow): number {
  return (
    Number(a.check) - Number(b.check) ||
    byText(a.preset ?? '', b.preset ?? '') ||
    (a.batch ?? 0) - (b.batch ?? 0) ||
    (a.threads ?? 0) - (b.threads ?? 0) ||
    byText(a.kv ?? '', b.kv ?? '') ||
    byText(modelSetting(a) ?? '', modelSetting(b) ?? '') ||
    comparePaths(a.path, b.path) ||
    byText(a.isa, b.isa)
  );
}
