// Per instance type and path, the few figures a reader compares across a fleet: decode (batch 1)
// and batched throughput of the main model, the decode-shaped and batched kernel cells, the
// speedups over cached-bf16 and baseline, and what bounds the path there. Check rows (the tiny
// model, shapes too small to measure) never count. Where the model did not run a reference path
// (a quick matrix runs 2B-4T on the fused paths only), the speedup comes from the kernel cell of
// the same shape of work, and says so. A model speedup pairs rows of one model cell (the same
// batch, threads, KV format, context, LM head and sparsity), by speedup.ts's one rule; the figures
// are of plain decode (dense, right after the prompt) where the path ran any, and of dense kernel cells.
import { byText } from './read-json.js';
import { referenceFor } from './speedup.js';
import type { KernelCell, KernelRow } from './kernel-rows.js';
import { isPlainDecode } from './setting-text.js';
import { modelKey, type ModelRow } from './model-rows.js';
import type { InstanceReport, ReportData } from './report-data.js';
import type { Verdict } from './verdict.js';

export type SpeedupSource = 'model' | 'kernel';

export interface Speedup {
  ratio: number;
  /** Measured on the model's tokens/s, or on the kernel cell's median time. */
  source: SpeedupSource;
}

export interface WorkFigures {
  /** Tokens/s of the main model at this batch class (best over threads and KV types); null without such a row. */
  tokS: number | null;
  /** The model row it came from. */
  model: ModelRow | null;
  /** The kernel cell row standing for this work: GEMV cold at batch 1, the largest batch for batched. */
  kernel: KernelRow | null;
  kernelCell: KernelCell | null;
  vsCachedBf16: Speedup | null;
  vsBaseline: Speedup | null;
  /** What bounds the path here: the kernel cell's verdict, else the model's. */
  verdict: Verdict | null;
}

export interface PathFigures {
  path: string;
  decode: WorkFigures;
  batched: WorkFigures;
}

/** The preset most bitbench model rows measured (checks aside): what the headline and heatmaps talk about. */
export function mainPreset(data: ReportData): string | null {
  const counts = new Map<string, number>();
  for (const instance of data.instances) {
    for (const row of instance.models) {
      if (!row.check && row.engine === 'bitbench' && row.preset !== null && row.decodeTokS !== null) counts.set(row.preset, (counts.get(row.preset) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1] || byText(a[0], b[0]))[0]?.[0] ?? null;
}

const size = (c: KernelCell) => (c.n ?? 0) * (c.k ?? 0);

// The cell standing for decode: batch 1, cold (weights from DRAM, as a model's layers read
// them), the largest shape, the most threads; for batched work the largest batch.
function workCell(instance: InstanceReport, batched: boolean): KernelCell | null {
  const cells = instance.kernelCells.filter((c) => !c.check && c.batch !== null && (batched ? c.batch > 1 : c.batch === 1));
  const cacheRank = (c: KernelCell) => (batched ? 0 : c.cache === 'cold' ? 0 : 1);
  const sparseRank = (c: KernelCell) => (c.sparsity === null ? 0 : 1);
  return (
    [...cells].sort(
      (a, b) => sparseRank(a) - sparseRank(b) || cacheRank(a) - cacheRank(b) || (batched ? b.batch! - a.batch! : 0) || size(b) - size(a) || (b.threads ?? 0) - (a.threads ?? 0),
    )[0] ?? null
  );
}

function bestModel(instance: InstanceReport, preset: string | null, path: string, batched: boolean): ModelRow | null {
  const all = instance.models.filter(
    (m) => !m.check && m.preset === preset && m.path === path && m.decodeTokS !== null && m.batch !== null && (batched ? m.batch > 1 : m.batch === 1),
  );
  const rows = all.some(isPlainDecode) ? all.filter(isPlainDecode) : all;
  if (batched && rows.length) {
    const largest = rows.reduce((a, b) => (b.batch! > a.batch! ? b : a)).batch;
    return rows.filter((r) => r.batch === largest).reduce((a, b) => (b.decodeTokS! > a.decodeTokS! ? b : a));
  }
  return rows.length ? rows.reduce((a, b) => (b.decodeTokS! > a.decodeTokS! ? b : a)) : null;
}

function kernelRowOf(cell: KernelCell | null, path: string): KernelRow | null {
  // The ISA picked at run time, not a forced comparison, where both exist.
  const rows = cell?.rows.filter((r) => r.path === path && r.medianNs !== null) ?? [];
  return rows.find((r) => !r.isaForced) ?? rows[0] ?? null;
}

function speedupOver(reference: string, instance: InstanceReport, model: ModelRow | null, cell: KernelCell | null, kernel: KernelRow | null): Speedup | null {
  const sameCell = model ? instance.models.filter((m) => modelKey('', m) === modelKey('', model)) : [];
  const referenceModel = model ? referenceFor(sameCell, model, reference) : undefined;
  if (model && referenceModel && referenceModel.decodeTokS! > 0) {
    return { ratio: model.decodeTokS! / referenceModel.decodeTokS!, source: 'model' };
  }
  const referenceKernel = kernelRowOf(cell, reference);
  if (kernel && referenceKernel && kernel.medianNs! > 0) return { ratio: referenceKernel.medianNs! / kernel.medianNs!, source: 'kernel' };
  return null;
}

function workFigures(instance: InstanceReport, preset: string | null, path: string, batched: boolean): WorkFigures {
  const model = bestModel(instance, preset, path, batched);
  const cell = workCell(instance, batched);
  const kernel = kernelRowOf(cell, path);
  return {
    tokS: model?.decodeTokS ?? null,
    model,
    kernel,
    kernelCell: kernel ? cell : null,
    vsCachedBf16: speedupOver('cached-bf16', instance, model, cell, kernel),
    vsBaseline: speedupOver('baseline', instance, model, cell, kernel),
    verdict: kernel?.verdict ?? model?.verdict ?? null,
  };
}

/** Every bitbench path of the report on this instance type (llama.cpp's rows are engines, not paths). */
export function pathFigures(data: ReportData, instance: InstanceReport, preset = mainPreset(data)): PathFigures[] {
  return data.paths
    .filter((path) => !path.startsWith('llama.cpp'))
    .map((path) => ({ path, decode: workFigures(instance, preset, path, false), batched: workFigures(instance, preset, path, true) }))
    .filter((f) => f.decode.model || f.decode.kernel || f.batched.model || f.batched.kernel);
}
