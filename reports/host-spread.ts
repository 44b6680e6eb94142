// The seed's question: how much do hosts of one instance type differ? Per instance type and per
// CPU model each host actually had (one type can land on different CPU generations), the spread
// between hosts beside the spread within a host, for kernels and models apart (a time and a rate
// do not share a median). Between: for each cell measured on two or more hosts, the CV of the
// hosts' figures (a kernel cell: shape, batch, threads, cache, share of activations zeroed, path,
// ISA, its median time; a model cell: preset, path, ISA, batch, threads, KV format, context, LM
// head and sparsity settings, its decode tokens/s). Within: the CV between one host's trials of a cell (run to run on the same
// machine). Each is the median over cells, so one odd cell does not speak for the type.
import { median } from '../runner/statistics.js';
import { readKernelResult, readModelResult, trialFigures } from '../runner/protocol/result-schema.js';
import { isLongContext } from './setting-text.js';

export interface HostSpreadInput {
  kind: string;
  path: string;
  isa: string;
  result: unknown;
  fingerprint: unknown;
  /** Host identity as stored (EC2 instance id or hostname). */
  host?: string;
}

export type HostSpreadKind = 'kernel' | 'model';

export interface HostSpread {
  /** The CPU model the hosts reported; 'unknown' where the fingerprint lacks one. */
  cpuModel: string;
  /** What was compared: kernel cells' median times, or model cells' decode tokens/s. */
  kind: HostSpreadKind;
  hosts: string[];
  /** Cells measured on two or more of these hosts. */
  sharedCells: number;
  /** Median over shared cells of the CV of the hosts' figures; null below two hosts. */
  betweenHostCv: number | null;
  /** Median over cells of the CV between one host's trials; null without multi-trial results. */
  withinHostCv: number | null;
}

function cpuModelOf(fingerprint: unknown): string {
  const cpu = (fingerprint as { cpu?: { modelName?: unknown } } | null)?.cpu;
  return typeof cpu?.modelName === 'string' && cpu.modelName !== '' ? cpu.modelName : 'unknown';
}

/** One result's place in the spread: its host, its cell, its figure and its trials' CV. */
interface Measurement {
  host: string | undefined;
  cell: string;
  figure: number | undefined;
  betweenTrialCv: number | null | undefined;
}

function kernelMeasurement(stored: HostSpreadInput): Measurement {
  const result = readKernelResult(stored.result);
  return {
    host: result.host,
    // A dense run and a sparse one of a shape are different cells (the share zeroed asked for).
    cell: [result.n, result.k, result.batch, result.threads, result.cache, result.sparsity?.requested, result.sparsity?.pattern, stored.path, stored.isa].join('|'),
    figure: result.medianNs,
    betweenTrialCv: result.betweenTrialCv,
  };
}

function modelMeasurement(stored: HostSpreadInput): Measurement {
  const result = readModelResult(stored.result);
  const s = result.sparsity;
  const a = result.attentionSparsity;
  // The cell's decode tokens/s (the mean of its trials'); where that is unreadable, its trials'.
  const trials = typeof result.decodeTokS === 'number' ? [result.decodeTokS] : trialFigures('model', stored.result);
  const figure = trials.length ? trials.reduce((x, y) => x + y, 0) / trials.length : undefined;
  return {
    host: result.host,
    cell: [
      // A context counts past the prompt only: a result from before `context` decoded right after it.
      result.preset, stored.path, stored.isa, result.batch, result.threads, result.kv,
      isLongContext(result.context, result.prompt) ? result.context : undefined, result.lmHead,
      s?.mode, s?.level, a?.mode, a?.level, a?.window, a?.global,
    ].join('|'),
    figure,
    betweenTrialCv: result.betweenTrialCv,
  };
}

function measurementOf(stored: HostSpreadInput): (Measurement & { kind: HostSpreadKind }) | undefined {
  if (stored.kind === 'kernel') return { kind: 'kernel', ...kernelMeasurement(stored) };
  if (stored.kind === 'model') return { kind: 'model', ...modelMeasurement(stored) };
  return undefined;
}

function cv(values: readonly number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((s, x) => s + (x - mean) ** 2, 0) / (values.length - 1);
  return mean > 0 ? Math.sqrt(variance) / mean : 0;
}

function medianOf(values: number[]): number | null {
  return values.length ? median(Float64Array.from(values).sort()) : null;
}

/** One entry per CPU model and kind among the results (of one instance type) that name their host. */
export function hostSpread(results: readonly HostSpreadInput[]): HostSpread[] {
  // Keyed by kind and CPU model: kernel times and model rates are spread apart.
  const groups = new Map<string, { kind: HostSpreadKind; cpuModel: string; cells: Map<string, Map<string, number[]>>; within: number[] }>();
  for (const stored of results) {
    const measured = measurementOf(stored);
    if (measured === undefined) continue;
    const host = typeof stored.host === 'string' && stored.host !== '' ? stored.host : measured.host;
    if (!host || measured.figure === undefined) continue;
    const cpuModel = cpuModelOf(stored.fingerprint);
    const key = `${measured.kind}|${cpuModel}`;
    const group = groups.get(key) ?? { kind: measured.kind, cpuModel, cells: new Map<string, Map<string, number[]>>(), within: [] };
    const hosts = group.cells.get(measured.cell) ?? new Map<string, number[]>();
    hosts.set(host, [...(hosts.get(host) ?? []), measured.figure]);
    group.cells.set(measured.cell, hosts);
    if (typeof measured.betweenTrialCv === 'number') group.within.push(measured.betweenTrialCv);
    groups.set(key, group);
  }
  const out: HostSpread[] = [];
  for (const { kind, cpuModel, cells, within } of groups.values()) {
    const allHosts = new Set<string>();
    const between: number[] = [];
    for (const hosts of cells.values()) {
      for (const host of hosts.keys()) allHosts.add(host);
      if (hosts.size < 2) continue;
      between.push(cv([...hosts.values()].map((figures) => figures.reduce((a, b) => a + b, 0) / figures.length)));
    }
    out.push({
      cpuModel,
      kind,
      hosts: [...allHosts].sort(),
      sharedCells: between.length,
      betweenHostCv: medianOf(between),
      withinHostCv: medianOf(within),
    });
  }
  // Per CPU model, kernels before models.
  return out.sort((a, b) => a.cpuModel.localeCompare(b.cpuModel) || (a.kind === b.kind ? 0 : a.kind === 'kernel' ? -1 : 1));
}
