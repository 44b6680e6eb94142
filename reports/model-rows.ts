// Model results -> rows: decode and prefill tokens/s, the bandwidth roofline, speedup over the
// baseline path of the same model cell, the engine (bitbench or llama.cpp) and the verdict.
import type { BaselineChange } from './baseline-change.js';
import { isCheckPreset } from './check-rows.js';
import { LLAMA_ENGINE, llamaQuantOfPath } from './engine-comparison.js';
import { comparePaths } from './path-order.js';
import type { ReportResultInput } from './report-input.js';
import { byText, num, record, str } from './read-json.js';
import { readModelResult } from '../runner/protocol/result-schema.js';
import { classifyModel, type Verdict } from './verdict.js';

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
  decodeTokS: number | null;
  prefillTokS: number | null;
  p50Ms: number | null;
  rooflineTokS: number | null;
  rooflineFraction: number | null;
  bandwidthGBs: number | null;
  peakRssBytes: number | null;
  speedupVsBaseline: number | null;
  /** The tiny test model (check-rows.ts): shown apart, as a check. */
  check: boolean;
  verdict: Verdict | null;
  noisy: boolean;
  change: BaselineChange | null;
}

export type ModelFacts = Pick<ModelRow, 'preset' | 'batch' | 'threads' | 'kv' | 'prompt' | 'tokens'>;

export function modelFacts(stored: ReportResultInput): ModelFacts {
  // The result through the one schema (a malformed field reads as absent); the spec as stored.
  const result = readModelResult(stored.result);
  const spec = record(stored.spec);
  const config = str(spec.config);
  return {
    preset: str(result.preset, spec.preset, config?.split(/[\\/]/).pop()),
    batch: num(result.batch, spec.batch),
    threads: num(result.threads, spec.threads),
    kv: str(result.kv, spec.kv),
    prompt: num(result.prompt, spec.prompt),
    tokens: num(result.tokens, spec.tokens),
  };
}

export function modelKey(instanceType: string, row: ModelFacts): string {
  return [instanceType, row.preset, row.batch, row.threads, row.kv, row.prompt, row.tokens].join('|');
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
    peakRssBytes: num(result.peakRssBytes),
    speedupVsBaseline: null,
    check: isCheckPreset(facts.preset),
    verdict: classifyModel(rooflineFraction),
    noisy: stored.noisy,
    change: null,
  };
}

/** Speedup over the baseline path of the same run and model cell. */
export function fillModelSpeedups(models: ModelRow[]): void {
  for (const row of models) {
    const reference = models.find(
      (m) => m.path === 'baseline' && m.runId === row.runId && modelKey('', m) === modelKey('', row) && m.decodeTokS !== null,
    );
    row.speedupVsBaseline = reference && row.decodeTokS !== null && reference.decodeTokS! > 0 ? row.decodeTokS / reference.decodeTokS! : null;
  }
}

/** Measurements before checks, then by model, batch, threads, KV, path and ISA. */
export function compareModelRows(a: ModelRow, b: ModelRow): number {
  return (
    Number(a.check) - Number(b.check) ||
    byText(a.preset ?? '', b.preset ?? '') ||
    (a.batch ?? 0) - (b.batch ?? 0) ||
    (a.threads ?? 0) - (b.threads ?? 0) ||
    byText(a.kv ?? '', b.kv ?? '') ||
    comparePaths(a.path, b.path) ||
    byText(a.isa, b.isa)
  );
}
