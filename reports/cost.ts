// What a million generated tokens cost on each instance type and path, where an hourly price
// is known (the matrix's `prices`), and the cheapest instance type for each path.
import type { ReportData } from './report-data.js';
import { modelSetting } from './model-rows.js';

export interface CostRow {
  preset: string;
  batch: number;
  path: string;
  /** 'kv int8 @8192, act top-k 0.7' (model-rows.ts): rows of other settings are not rivals. */
  setting: string | null;
  instanceType: string;
  decodeTokS: number;
  usdPerHour: number;
  usdPerMillionTokens: number;
  /** The cheapest instance type for this preset, batch, path and setting. */
  cheapest: boolean;
}

/** Hourly prices by instance type from the runs' matrices (a later run's price wins). */
export function pricesFromRuns(runs: readonly { startedAt: string; matrix?: unknown }[]): Map<string, number> {
  const prices = new Map<string, number>();
  for (const run of [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
    const matrix = run.matrix as { prices?: Record<string, unknown> } | undefined;
    for (const [instanceType, price] of Object.entries(matrix?.prices ?? {})) {
      if (typeof price === 'number' && Number.isFinite(price) && price > 0) prices.set(instanceType, price);
    }
  }
  return prices;
}

export function costRows(data: ReportData, prices: ReadonlyMap<string, number>): CostRow[] {
  const rows: CostRow[] = [];
  for (const instance of data.instances) {
    const usdPerHour = prices.get(instance.instanceType);
    if (usdPerHour === undefined) continue;
    for (const model of instance.models) {
      if (model.check || model.decodeTokS === null || model.decodeTokS <= 0 || model.preset === null || model.batch === null) continue;
      rows.push({
        preset: model.preset,
        batch: model.batch,
        path: model.path,
        setting: modelSetting(model) ?? null,
        instanceType: instance.instanceType,
        decodeTokS: model.decodeTokS,
        usdPerHour,
        usdPerMillionTokens: (usdPerHour / (model.decodeTokS * 3600)) * 1e6,
        cheapest: false,
      });
    }
  }
  const groups = new Map<string, CostRow[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.preset, row.batch, row.path, row.setting]);
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const group of groups.values()) {
    const best = group.reduce((a, b) => (b.usdPerMillionTokens < a.usdPerMillionTokens ? b : a));
    best.cheapest = true;
  }
  return rows.sort(
    (a, b) => a.preset.localeCompare(b.preset) || a.batch - b.batch || a.path.localeCompare(b.path) || (a.setting ?? '').localeCompare(b.setting ?? '') || a.usdPerMillionTokens - b.usdPerMillionTokens,
  );
}
