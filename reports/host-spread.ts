// The seed's question: how much do hosts of one instance type differ? Per instance type and per
// CPU model each host actually had (one type can land on different CPU generations), the spread
// between hosts beside the spread within a host. Between: for each kernel cell (shape, batch,
// threads, cache, path, ISA) measured on two or more hosts, the CV of the hosts' medians. Within:
// the CV between one host's trials of a cell (run to run on the same machine). Each is the median
// over cells, so one odd cell does not speak for the type.
import { median } from '../runner/statistics.js';
import { readKernelResult } from '../runner/protocol/result-schema.js';

export interface HostSpreadInput {
  kind: string;
  path: string;
  isa: string;
  result: unknown;
  fingerprint: unknown;
  /** Host identity as stored (EC2 instance id or hostname). */
  host?: string;
}

export interface HostSpread {
  /** The CPU model the hosts reported; 'unknown' where the fingerprint lacks one. */
  cpuModel: string;
  hosts: string[];
  /** Cells measured on two or more of these hosts. */
  sharedCells: number;
  /** Median over shared cells of the CV of the hosts' medians; null below two hosts. */
  betweenHostCv: number | null;
  /** Median over cells of the CV between one host's trials; null without multi-trial results. */
  withinHostCv: number | null;
}

function cpuModelOf(fingerprint: unknown): string {
  const cpu = (fingerprint as { cpu?: { modelName?: unknown } } | null)?.cpu;
  return typeof cpu?.modelName === 'string' && cpu.modelName !== '' ? cpu.modelName : 'unknown';
}

function hostOf(stored: HostSpreadInput): string | undefined {
  if (typeof stored.host === 'string' && stored.host !== '') return stored.host;
  return readKernelResult(stored.result).host;
}

function cv(values: readonly number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((s, x) => s + (x - mean) ** 2, 0) / (values.length - 1);
  return mean > 0 ? Math.sqrt(variance) / mean : 0;
}

function medianOf(values: number[]): number | null {
  return values.length ? median(Float64Array.from(values).sort()) : null;
}

/** One entry per CPU model among the results (of one instance type) that name their host. */
export function hostSpread(results: readonly HostSpreadInput[]): HostSpread[] {
  const byCpu = new Map<string, Map<string, Map<string, number[]>>>();
  const withinByCpu = new Map<string, number[]>();
  for (const stored of results) {
    if (stored.kind !== 'kernel') continue;
    const host = hostOf(stored);
    const result = readKernelResult(stored.result);
    if (host === undefined || result.medianNs === undefined) continue;
    const cpuModel = cpuModelOf(stored.fingerprint);
    const cell = [result.n, result.k, result.batch, result.threads, result.cache, stored.path, stored.isa].join('|');
    const cells = byCpu.get(cpuModel) ?? new Map<string, Map<string, number[]>>();
    const hosts = cells.get(cell) ?? new Map<string, number[]>();
    hosts.set(host, [...(hosts.get(host) ?? []), result.medianNs]);
    cells.set(cell, hosts);
    byCpu.set(cpuModel, cells);
    if (typeof result.betweenTrialCv === 'number') withinByCpu.set(cpuModel, [...(withinByCpu.get(cpuModel) ?? []), result.betweenTrialCv]);
  }
  const out: HostSpread[] = [];
  for (const [cpuModel, cells] of byCpu) {
    const allHosts = new Set<string>();
    const between: number[] = [];
    for (const hosts of cells.values()) {
      for (const host of hosts.keys()) allHosts.add(host);
      if (hosts.size < 2) continue;
      between.push(cv([...hosts.values()].map((medians) => medians.reduce((a, b) => a + b, 0) / medians.length)));
    }
    out.push({
      cpuModel,
      hosts: [...allHosts].sort(),
      sharedCells: between.length,
      betweenHostCv: medianOf(between),
      withinHostCv: medianOf(withinByCpu.get(cpuModel) ?? []),
    });
  }
  return out.sort((a, b) => a.cpuModel.localeCompare(b.cpuModel));
}
