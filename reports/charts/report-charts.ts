// Report data -> every chart of the page, as SVG strings: per instance type the paths of each
// cache mode, thread and batch scaling where a matrix swept them; across the fleet the paths per
// instance type for each cold cell several instance types ran; model tokens/s with the roofline.
import type { TopLevelSpec } from 'vega-lite';
import type { InstanceReport, KernelCell, ReportData } from '../report-data.js';
import { modelChartSpec, type ModelBar } from './model-chart.js';
import { pathChartSpec, type PathBar } from './path-chart.js';
import { renderChart } from './render-chart.js';
import { scalingChartSpec, type ScalingPoint } from './scaling-chart.js';
import { overviewChartSpecs } from './overview-charts.js';
import { rooflineChartSpec, rooflineData } from './roofline-chart.js';
import type { FleetOverview } from '../fleet-overview.js';
import { maxOf, minOf } from '../number-extremes.js';
import { modelSetting } from '../model-rows.js';
import { zeroedShareText } from '../setting-text.js';

export interface ChartSvg {
  title: string;
  svg: string;
}

export interface ReportCharts {
  fleet: ChartSvg[];
  instances: Map<string, ChartSvg[]>;
  models: ChartSvg[];
  /** Per instance type its roofline, where it has kernel cells with rates. */
  rooflines: Map<string, ChartSvg>;
  /** The fleet overview's maps (decode, speedup over baseline, bounds). */
  overview: ChartSvg[];
}

/** Charts past this many per section are left out (the tables still show every row). */
export const MAX_FLEET_CHARTS = 8;

/** '4096x4096', or '4096x4096 50% zero' for a sparse cell: a label no dense cell of the shape shares. */
function shapeOf(cell: KernelCell): string {
  const zeroed = zeroedShareText(cell.sparsity);
  return `${cell.n ?? '?'}x${cell.k ?? '?'}${zeroed === undefined ? '' : ` ${zeroed}`}`;
}

function barsOf(cell: KernelCell, group: string): PathBar[] {
  const bars: PathBar[] = [];
  for (const row of cell.rows) {
    if (row.medianNs === null || row.medianNs <= 0) continue;
    const [low, high] = row.ci95Ns ?? [row.medianNs, row.medianNs];
    // A forced ISA is its own bar: two ISAs of one path would otherwise share a slot.
    bars.push({ group, path: row.isaForced ? `${row.path} (${row.isa})` : row.path, isa: row.isa, medianMs: row.medianNs / 1e6, lowMs: Math.max(low, 1) / 1e6, highMs: high / 1e6, noisy: row.noisy });
  }
  return bars;
}

// One chart per axis and cache mode, not one per cell: a sweep of 5 shapes x 5 batches would
// otherwise draw dozens. Thread scaling at the largest shape and batch 1 (decode), batch
// scaling at the largest shape and the most threads.
function scalingSpecs(instance: InstanceReport): TopLevelSpec[] {
  const specs: TopLevelSpec[] = [];
  const size = (c: KernelCell) => (c.n ?? 0) * (c.k ?? 0);
  const measured = measuredCells(instance);
  for (const cache of [...new Set(measured.map((c) => c.cache))]) {
    // Dense cells only: a sparse cell of the same shape would put a second point at each x.
    const cells = measured.filter((c) => c.cache === cache && c.sparsity === null);
    const largest = maxOf(cells.map(size));
    const shaped = cells.filter((c) => size(c) === largest);
    const shape = shaped[0] ? shapeOf(shaped[0]) : '?';
    const sweep = (axis: 'threads' | 'batch', chosen: KernelCell[], title: string) => {
      if (new Set(chosen.map((c) => c[axis])).size < 2) return;
      const points: ScalingPoint[] = [];
      for (const cell of chosen) {
        for (const row of cell.rows) {
          if (cell[axis] !== null && row.gops !== null) points.push({ x: cell[axis]!, path: row.isaForced ? `${row.path} (${row.isa})` : row.path, gops: row.gops });
        }
      }
      if (points.length) specs.push(scalingChartSpec(title, axis, points));
    };
    const smallestBatch = minOf(shaped.map((c) => c.batch ?? Infinity));
    sweep('threads', shaped.filter((c) => c.batch === smallestBatch), `Thread scaling: ${shape} batch ${smallestBatch} ${cache}`);
    const mostThreads = maxOf(shaped.map((c) => c.threads ?? -Infinity));
    sweep('batch', shaped.filter((c) => c.threads === mostThreads), `Batch scaling: ${shape} ${mostThreads} threads ${cache}`);
  }
  return specs;
}

// Where a path ran with more than one ISA in a cell (an ISA was forced): one group per cell and
// path, one bar per ISA (the bars' colour field holds the ISA).
function isaComparisonBars(instance: InstanceReport): PathBar[] {
  const bars: PathBar[] = [];
  for (const cell of measuredCells(instance)) {
    for (const path of new Set(cell.rows.map((r) => r.path))) {
      const rows = cell.rows.filter((r) => r.path === path && r.medianNs !== null && r.medianNs > 0);
      if (new Set(rows.map((r) => r.isa)).size < 2) continue;
      const group = `${shapeOf(cell)} b${cell.batch ?? '?'} ${cell.cache} ${path}`;
      for (const bar of barsOf({ ...cell, rows }, group)) bars.push({ ...bar, path: bar.isa });
    }
  }
  return bars;
}

// Check cells (shapes too small to measure) are tables only: drawn, they would pass for measurements.
function measuredCells(instance: InstanceReport): KernelCell[] {
  return instance.kernelCells.filter((c) => !c.check);
}

async function render(title: string, spec: TopLevelSpec): Promise<ChartSvg> {
  return { title, svg: await renderChart(spec) };
}

export async function buildReportCharts(data: ReportData, overview?: FleetOverview): Promise<ReportCharts> {
  const instances = new Map<string, ChartSvg[]>();
  const rooflines = new Map<string, ChartSvg>();
  for (const instance of data.instances) {
    const roofline = rooflineData(instance);
    if (roofline) {
      const title = `${instance.instanceType}: roofline at ${roofline.threads} thread${roofline.threads === 1 ? '' : 's'}`;
      rooflines.set(instance.instanceType, await render(title, rooflineChartSpec(title, roofline)));
    }
    const charts: ChartSvg[] = [];
    for (const cache of [...new Set(measuredCells(instance).map((c) => c.cache))]) {
      const bars = measuredCells(instance).filter((c) => c.cache === cache).flatMap((c) => barsOf(c, `${shapeOf(c)} b${c.batch ?? '?'} ${c.threads ?? '?'}t`));
      if (bars.length) charts.push(await render(`Paths, ${cache} cache`, pathChartSpec(`${instance.instanceType}: paths, ${cache} cache`, bars, 'shape, batch, threads')));
    }
    for (const spec of scalingSpecs(instance)) charts.push(await render(String(spec.title ?? 'Scaling'), spec));
    const isaBars = isaComparisonBars(instance);
    if (isaBars.length) {
      const title = `${instance.instanceType}: ISA comparison (forced ISAs)`;
      charts.push(await render('ISA comparison', pathChartSpec(title, isaBars, 'cell and path', 'isa')));
    }
    instances.set(instance.instanceType, charts);
  }

  const fleet: ChartSvg[] = [];
  if (data.instances.length > 1) {
    const byCell = new Map<string, PathBar[]>();
    for (const instance of data.instances) {
      for (const cell of measuredCells(instance)) byCell.set(cell.key, [...(byCell.get(cell.key) ?? []), ...barsOf(cell, instance.instanceType)]);
    }
    // Cold cells first (the order cells are sorted in), and only where instance types can be compared.
    const shared = [...byCell].filter(([, bars]) => new Set(bars.map((b) => b.group)).size > 1).slice(0, MAX_FLEET_CHARTS);
    for (const [key, bars] of shared) fleet.push(await render(`Paths per instance type: ${key}`, pathChartSpec(`Paths per instance type: ${key}`, bars, 'instance type')));
  }

  const models: ChartSvg[] = [];
  const modelBars = new Map<string, ModelBar[]>();
  for (const instance of data.instances) {
    for (const row of instance.models) {
      if (row.decodeTokS === null || row.check) continue;
      // One chart per setting: rows of one path that differ in KV, context, LM head or sparsity never share a bar slot.
      const key = `${row.preset ?? 'model'}, ${modelSetting(row) ?? 'kv ?'}${row.batch !== null && row.batch > 1 ? ', batched' : ', batch 1'}`;
      const bar = { group: `${instance.instanceType} b${row.batch ?? '?'} ${row.threads ?? '?'}t`, path: row.path, decodeTokS: row.decodeTokS, rooflineTokS: row.rooflineTokS };
      modelBars.set(key, [...(modelBars.get(key) ?? []), bar]);
    }
  }
  for (const [key, bars] of modelBars) models.push(await render(`Model tokens/s: ${key}`, modelChartSpec(`Decode tokens/s: ${key} (tick: bandwidth roofline)`, bars)));
  const overviewCharts: ChartSvg[] = [];
  for (const { title, spec } of overview ? overviewChartSpecs(overview) : []) overviewCharts.push(await render(title, spec));
  return { fleet, instances, models, rooflines, overview: overviewCharts };
}
