// bitbench against llama.cpp on one instance type: for each model, batch and thread count, the
// best bitbench path against llama.cpp's best quant, decode and prefill apart, as one ratio each
// (above 1 bitbench's kernels lead). "Best" is the highest tokens/s among the model rows, across
// runs, KV types and ISAs; the rows it came from are named, so a reader can find them in the table.
// llama.cpp rows are told apart by their path (`llama.cpp:<quant>`), which is what every stored
// llama.cpp result carries, even where its result or spec says nothing of the engine. llama.cpp
// decodes dense, right after the prompt: bitbench's sparse and long-context rows are left out.
import type { ModelRow } from './model-rows.js';
import { isPlainDecode } from './setting-text.js';

export const LLAMA_ENGINE = 'llama.cpp';
export const LLAMA_PATH_PREFIX = `${LLAMA_ENGINE}:`;

/** Within this of 1, neither engine leads: a ratio of 0.99 is noise, not a verdict. */
export const ENGINE_LEVEL_BAND = 0.02;

export type EngineVerdict = 'leads' | 'trails' | 'level';

export interface EngineBest {
  /** bitbench's path, or llama.cpp's `llama.cpp:<quant>`. */
  path: string;
  /** llama.cpp's weight type; null for bitbench. */
  quant: string | null;
  isa: string;
  /** The ggml CPU backend llama.cpp loaded (haswell, zen4, ...); null for bitbench or when not recorded. */
  cpuVariant: string | null;
  tokS: number;
  jobId: string;
  runId: string;
  noisy: boolean;
}

export interface EngineRatio {
  bitbench: EngineBest;
  llama: EngineBest;
  /** bitbench / llama.cpp tokens/s: above 1 bitbench leads. */
  ratio: number;
  verdict: EngineVerdict;
}

export interface EngineComparison {
  preset: string | null;
  batch: number | null;
  threads: number | null;
  /** Null where either engine has no decode figure at this model, batch and thread count. */
  decode: EngineRatio | null;
  prefill: EngineRatio | null;
}

/** The llama.cpp quant a path names (`llama.cpp:tq2_0` -> `tq2_0`); null for a bitbench path. */
export function llamaQuantOfPath(path: string): string | null {
  return path.startsWith(LLAMA_PATH_PREFIX) ? path.slice(LLAMA_PATH_PREFIX.length) : null;
}

export function isLlamaRow(row: Pick<ModelRow, 'engine' | 'path'>): boolean {
  return row.engine === LLAMA_ENGINE || llamaQuantOfPath(row.path) !== null;
}

export function verdictOf(ratio: number): EngineVerdict {
  return ratio > 1 + ENGINE_LEVEL_BAND ? 'leads' : ratio < 1 - ENGINE_LEVEL_BAND ? 'trails' : 'level';
}

function best(rows: readonly ModelRow[], figure: 'decodeTokS' | 'prefillTokS'): EngineBest | null {
  let top: ModelRow | null = null;
  for (const row of rows) {
    const value = row[figure];
    if (value === null || value <= 0) continue;
    if (top === null || value > top[figure]!) top = row;
  }
  if (top === null) return null;
  return {
    path: top.path,
    quant: isLlamaRow(top) ? (top.quant ?? llamaQuantOfPath(top.path)) : null,
    isa: top.isa,
    cpuVariant: top.llamaCpuVariant,
    tokS: top[figure]!,
    jobId: top.jobId,
    runId: top.runId,
    noisy: top.noisy,
  };
}

function ratioOf(bitbenchRows: readonly ModelRow[], llamaRows: readonly ModelRow[], figure: 'decodeTokS' | 'prefillTokS'): EngineRatio | null {
  const bitbench = best(bitbenchRows, figure);
  const llama = best(llamaRows, figure);
  if (bitbench === null || llama === null) return null;
  const ratio = bitbench.tokS / llama.tokS;
  return { bitbench, llama, ratio, verdict: verdictOf(ratio) };
}

const byText = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** One comparison per model, batch and thread count where both engines ran; sorted by them. */
export function compareEngines(models: readonly ModelRow[]): EngineComparison[] {
  const groups = new Map<string, ModelRow[]>();
  for (const row of models) {
    const key = JSON.stringify([row.preset, row.batch, row.threads]);
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const out: EngineComparison[] = [];
  for (const rows of groups.values()) {
    const llamaRows = rows.filter(isLlamaRow);
    const bitbenchRows = rows.filter((row) => !isLlamaRow(row) && isPlainDecode(row));
    const decode = ratioOf(bitbenchRows, llamaRows, 'decodeTokS');
    const prefill = ratioOf(bitbenchRows, llamaRows, 'prefillTokS');
    if (decode === null && prefill === null) continue;
    const { preset, batch, threads } = rows[0]!;
    out.push({ preset, batch, threads, decode, prefill });
  }
  return out.sort(
    (a, b) => byText(a.preset ?? '', b.preset ?? '') || (a.batch ?? 0) - (b.batch ?? 0) || (a.threads ?? 0) - (b.threads ?? 0),
  );
}
