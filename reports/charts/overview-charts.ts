// The fleet overview's maps: instance type x path of decode throughput, of the speedup over
// baseline, and of what bounds each path there.
import type { TopLevelSpec } from 'vega-lite';
import type { FleetOverview } from '../fleet-overview.js';
import type { Bound } from '../verdict.js';
import { heatmapChartSpec, type HeatmapCell } from './heatmap-chart.js';

export const BOUND_COLORS: Record<Bound, string> = { memory: '#8fb8de', compute: '#f4a259', overhead: '#d3d3d3', unclear: '#ece6f5' };

function figure(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(3);
}

export interface OverviewSpec {
  title: string;
  spec: TopLevelSpec;
}

export function overviewChartSpecs(overview: FleetOverview): OverviewSpec[] {
  const axes = { rowTitle: 'instance type', columnTitle: 'path', rows: overview.instanceTypes, columns: overview.paths };
  const what = overview.preset !== null ? `${overview.preset} decode ${overview.metric}` : 'decode kernel GOPS (batch 1, cold)';
  const specs: OverviewSpec[] = [];
  const decode: HeatmapCell[] = overview.cells
    .filter((c) => c.decode !== null)
    .map((c) => ({ row: c.instanceType, column: c.path, value: c.decode!, label: figure(c.decode!) }));
  if (decode.length) {
    specs.push({ title: `Decode ${overview.metric} per instance type and path`, spec: heatmapChartSpec(`${what} (batch 1)`, decode, { ...axes, kind: 'quantitative', legendTitle: overview.metric }) });
  }
  const speedup: HeatmapCell[] = overview.cells
    .filter((c) => c.speedupVsBaseline !== null)
    .map((c) => ({ row: c.instanceType, column: c.path, value: c.speedupVsBaseline!, label: `${figure(c.speedupVsBaseline!)}×` }));
  if (speedup.length) {
    specs.push({
      title: 'Speedup over baseline per instance type and path',
      spec: heatmapChartSpec('Decode speedup over baseline (same instance type)', speedup, { ...axes, kind: 'quantitative', legendTitle: '× baseline', scheme: 'greens' }),
    });
  }
  const bounds: HeatmapCell[] = overview.cells
    .filter((c) => c.verdict !== null)
    .map((c) => ({
      row: c.instanceType,
      column: c.path,
      value: c.verdict!.bound,
      label: c.verdict!.bound === 'unclear' ? `mem ${Math.round(100 * c.verdict!.fraction)}%` : `${c.verdict!.bound} ${Math.round(100 * c.verdict!.fraction)}%`,
    }));
  if (bounds.length) {
    const present = (Object.keys(BOUND_COLORS) as Bound[]).filter((b) => bounds.some((c) => c.value === b));
    specs.push({
      title: 'What bounds each path (decode)',
      spec: heatmapChartSpec('What bounds each path at decode (share of that ceiling)', bounds, {
        ...axes,
        kind: 'nominal',
        legendTitle: 'bound',
        categories: { domain: present, range: present.map((b) => BOUND_COLORS[b]) },
      }),
    });
  }
  return specs;
}
