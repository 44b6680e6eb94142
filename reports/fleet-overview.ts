// The fleet at a glance: instance type x path matrices of decode throughput, of the speedup over
// baseline and of what bounds each path, and per path a ranking of instance types by
// throughput, per vCPU and per dollar, with the winner's margin over the next.
import { usdPerMillion } from './headline.js';
import { mainPreset, pathFigures } from './path-figures.js';
import type { ReportData } from './report-data.js';
import type { Verdict } from './verdict.js';

export interface OverviewCell {
  instanceType: string;
  path: string;
  /** Decode tokens/s of the main model, else the decode kernel cell's GOPS (see `metric`). */
  decode: number | null;
  speedupVsBaseline: number | null;
  verdict: Verdict | null;
}

export interface RankingEntry {
  instanceType: string;
  decode: number;
  perVcpu: number | null;
  /** Million tokens per dollar (or billion operations per dollar for kernel figures); null without a price. */
  perDollar: number | null;
  usdPerMillionTokens: number | null;
}

export interface PathRanking {
  path: string;
  /** Highest decode first. */
  entries: RankingEntry[];
  /** The best decode over the next one (1.23 = 23% ahead); null with one instance type. */
  margin: number | null;
  bestPerVcpu: string | null;
  bestPerDollar: string | null;
}

export interface FleetOverview {
  preset: string | null;
  /** What `decode` measures: the model's tokens/s, or kernel GOPS where no model ran. */
  metric: 'tokens/s' | 'GOPS';
  instanceTypes: string[];
  paths: string[];
  cells: OverviewCell[];
  rankings: PathRanking[];
}

function bestOf<T>(entries: readonly T[], value: (entry: T) => number | null): T | null {
  const valued = entries.filter((e) => value(e) !== null);
  return valued.length ? valued.reduce((a, b) => (value(b)! > value(a)! ? b : a)) : null;
}

export function buildFleetOverview(data: ReportData, prices: ReadonlyMap<string, number>): FleetOverview {
  const preset = mainPreset(data);
  const metric = preset === null ? 'GOPS' : 'tokens/s';
  const cells: OverviewCell[] = [];
  const vcpus = new Map<string, number | null>();
  for (const instance of data.instances) {
    vcpus.set(instance.instanceType, instance.cpu.logicalCpus);
    for (const figures of pathFigures(data, instance, preset)) {
      const work = figures.decode;
      cells.push({
        instanceType: instance.instanceType,
        path: figures.path,
        decode: metric === 'tokens/s' ? work.tokS : (work.kernel?.gops ?? null),
        speedupVsBaseline: work.vsBaseline?.ratio ?? null,
        verdict: work.verdict,
      });
    }
  }
  const paths = data.paths.filter((p) => cells.some((c) => c.path === p));
  const instanceTypes = data.instances.map((i) => i.instanceType).filter((t) => cells.some((c) => c.instanceType === t));
  const rankings = paths.map((path) => {
    const entries: RankingEntry[] = cells
      .filter((c) => c.path === path && c.decode !== null)
      .map((c) => {
        const price = prices.get(c.instanceType) ?? null;
        const cpus = vcpus.get(c.instanceType) ?? null;
        const perHour = c.decode! * 3600;
        return {
          instanceType: c.instanceType,
          decode: c.decode!,
          perVcpu: cpus ? c.decode! / cpus : null,
          perDollar: price ? perHour / price / 1e6 : null,
          usdPerMillionTokens: metric === 'tokens/s' ? usdPerMillion(price, c.decode) : null,
        };
      })
      .sort((a, b) => b.decode - a.decode);
    const margin = entries.length > 1 && entries[1]!.decode > 0 ? entries[0]!.decode / entries[1]!.decode : null;
    return {
      path,
      entries,
      margin,
      bestPerVcpu: bestOf(entries, (e) => e.perVcpu)?.instanceType ?? null,
      bestPerDollar: bestOf(entries, (e) => e.perDollar)?.instanceType ?? null,
    };
  });
  return { preset, metric, instanceTypes, paths, cells, rankings: rankings.filter((r) => r.entries.length) };
}
