// The headline of a report: per instance type, the best path for decode (batch 1) and for
// batched work, how much faster it is than cached-bf16 and baseline, its tokens/s, its cost per
// million tokens where the matrix gave a price, and what bounds it there.
import type { KernelCell } from './kernel-rows.js';
import { modelSetting, type ModelRow } from './model-rows.js';
import { zeroedShareText } from './setting-text.js';
import { mainPreset, pathFigures, type PathFigures, type Speedup, type WorkFigures } from './path-figures.js';
import type { ReportData } from './report-data.js';
import type { Verdict } from './verdict.js';

export interface HeadlinePick {
  path: string;
  /** The ISA it ran with. */
  isa: string;
  tokS: number | null;
  /** The kernel cell's median per call and rate, where the pick stands on a kernel cell. */
  kernelMedianNs: number | null;
  kernelGops: number | null;
  /** '4096×4096 batch 1, 2 threads, cold' */
  kernelCell: string | null;
  /** 'bitnet-b1.58-2b-4t, batch 1, 2 threads' */
  modelCell: string | null;
  vsCachedBf16: Speedup | null;
  vsBaseline: Speedup | null;
  usdPerMillionTokens: number | null;
  verdict: Verdict | null;
}

export interface HeadlineCard {
  instanceType: string;
  cpuModel: string | null;
  vcpus: number | null;
  usdPerHour: number | null;
  decode: HeadlinePick | null;
  batched: HeadlinePick | null;
}

export interface Headline {
  /** The model the tokens/s are of; null when no model ran. */
  preset: string | null;
  cards: HeadlineCard[];
}

export function describeCell(cell: KernelCell): string {
  const zeroed = zeroedShareText(cell.sparsity, cell.scattered);
  return `${cell.n ?? '?'}×${cell.k ?? '?'} batch ${cell.batch ?? '?'}, ${cell.threads ?? '?'} threads, ${cell.cache}${zeroed === undefined ? '' : `, ${zeroed}`}`;
}

/** ', kv int8': the model row's setting, so a card says which of a path's rows it speaks of. */
function settingSuffix(model: ModelRow): string {
  const setting = modelSetting(model);
  return setting === undefined ? '' : `, ${setting}`;
}

export function usdPerMillion(usdPerHour: number | undefined | null, tokS: number | null): number | null {
  return usdPerHour && tokS && tokS > 0 ? (usdPerHour / (tokS * 3600)) * 1e6 : null;
}

// Highest tokens/s where the model ran; else the fastest kernel cell (lowest median).
function best(figures: readonly PathFigures[], pick: (f: PathFigures) => WorkFigures): PathFigures | null {
  const withModel = figures.filter((f) => pick(f).tokS !== null);
  if (withModel.length) return withModel.reduce((a, b) => (pick(b).tokS! > pick(a).tokS! ? b : a));
  const withKernel = figures.filter((f) => pick(f).kernel?.medianNs != null);
  return withKernel.length ? withKernel.reduce((a, b) => (pick(b).kernel!.medianNs! < pick(a).kernel!.medianNs! ? b : a)) : null;
}

function headlinePick(figures: PathFigures | null, work: WorkFigures | undefined, usdPerHour: number | null): HeadlinePick | null {
  if (!figures || !work) return null;
  const model = work.model;
  return {
    path: figures.path,
    isa: model?.isa ?? work.kernel?.isa ?? '?',
    tokS: work.tokS,
    kernelMedianNs: work.kernel?.medianNs ?? null,
    kernelGops: work.kernel?.gops ?? null,
    kernelCell: work.kernelCell ? describeCell(work.kernelCell) : null,
    modelCell: model ? `${model.preset ?? 'model'}, batch ${model.batch ?? '?'}, ${model.threads ?? '?'} threads${settingSuffix(model)}` : null,
    vsCachedBf16: work.vsCachedBf16,
    vsBaseline: work.vsBaseline,
    usdPerMillionTokens: usdPerMillion(usdPerHour, work.tokS),
    verdict: work.verdict,
  };
}

export function buildHeadline(data: ReportData, prices: ReadonlyMap<string, number>): Headline {
  const preset = mainPreset(data);
  const cards = data.instances.map((instance) => {
    const figures = pathFigures(data, instance, preset);
    const usdPerHour = prices.get(instance.instanceType) ?? null;
    const decode = best(figures, (f) => f.decode);
    const batched = best(figures, (f) => f.batched);
    return {
      instanceType: instance.instanceType,
      cpuModel: instance.cpu.modelName,
      vcpus: instance.cpu.logicalCpus,
      usdPerHour,
      decode: headlinePick(decode, decode?.decode, usdPerHour),
      batched: headlinePick(batched, batched?.batched, usdPerHour),
    };
  });
  return { preset, cards: cards.filter((c) => c.decode || c.batched) };
}
