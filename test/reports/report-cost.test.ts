// Cost per million tokens from the matrix's hourly prices, and the cheapest instance type.
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../reports/build-report.js';
import { costRows, pricesFromRuns } from '../../reports/cost.js';
import { buildReportData } from '../../reports/report-data.js';
import { parseMatrixText } from '../../coordinator/matrix/load-matrix.js';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { fillFleetStore, INSTANCES } from '../fixtures/reports/fleet-fixture.js';

function fleetInput(prices: Record<string, number>) {
  const store = ResultStore.open(':memory:');
  const fleet = fillFleetStore(store);
  const runs = fleet.runIds.map((id) => ({ ...store.getRun(id)!, matrix: { prices } }));
  const input = { runs, results: store.results({ runIds: fleet.runIds }), failures: [] };
  store.close();
  return input;
}

describe('cost per million tokens', () => {
  it('divides the hourly price by tokens per hour and marks the cheapest instance type per path', async () => {
    const [a, b] = [INSTANCES[0]!.instanceType, INSTANCES[1]!.instanceType];
    const input = fleetInput({ [a]: 0.1, [b]: 0.4 });
    const rows = costRows(buildReportData(input), pricesFromRuns(input.runs));
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.instanceType))).toEqual(new Set([a, b]));
    for (const row of rows) expect(row.usdPerMillionTokens).toBeCloseTo((row.usdPerHour / (row.decodeTokS * 3600)) * 1e6);
    const groups = new Map<string, number>();
    for (const row of rows.filter((r) => r.cheapest)) {
      const key = `${row.preset}|${row.batch}|${row.path}`;
      groups.set(key, (groups.get(key) ?? 0) + 1);
      const rivals = rows.filter((r) => `${r.preset}|${r.batch}|${r.path}` === key);
      expect(Math.min(...rivals.map((r) => r.usdPerMillionTokens))).toBe(row.usdPerMillionTokens);
    }
    for (const count of groups.values()) expect(count).toBe(1);
    const { html } = await buildReport(input);
    expect(html).toContain('Cost per million tokens');
    expect(html).toContain('cheapest');
  });

  it('shows no cost table without prices', async () => {
    const { html } = await buildReport(fleetInput({}));
    expect(html).not.toContain('Cost per million tokens');
  });

  it('accepts prices in a matrix and rejects bad ones by path', () => {
    const ok = parseMatrixText('prices: { c7i.large: 0.089 }\nkernels: { paths: [fused], shapes: [[4, 4]], batch: [1], threads: [1], cache: [hot] }\n', 'm.yaml', 'yaml');
    expect(ok.prices).toEqual({ 'c7i.large': 0.089 });
    expect(() => parseMatrixText('prices: { c7i.large: -1 }\nkernels: { paths: [fused], shapes: [[4, 4]], batch: [1], threads: [1], cache: [hot] }\n', 'm.yaml', 'yaml')).toThrow(
      /prices\["c7i\.large"\]: expected a positive price in USD per hour/,
    );
  });
});
