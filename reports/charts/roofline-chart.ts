// The roofline of one instance type (Williams, Waterman and Patterson, CACM 2009): x is each
// kernel cell's operational intensity (operations per byte of weights read: its GOPS over its
// weight GB/s), y the rate it reached, both on log scales; the memory ceiling (measured read
// bandwidth x intensity) rises to meet the flat compute ceilings of the ISAs that ran (the
// compute probe's fp32 FMA and int8 dot-product peaks). A point near the slope is memory-bound,
// near a flat line compute-bound, far below both it loses its time elsewhere.
import type { TopLevelSpec } from 'vega-lite';
import { bandwidthAtThreads, computeAtThreads } from '../cpu-card.js';
import { maxOf, minOf } from '../number-extremes.js';
import type { InstanceReport } from '../report-data.js';
import { computeKindOfPath } from '../verdict.js';
import { pathColorScale } from './path-chart.js';
import { AXIS_NUMBER_FORMAT } from './time-unit.js';

export interface RooflinePoint {
  intensity: number;
  gops: number;
  path: string;
  cache: string;
  cell: string;
}

export interface RooflineCeiling {
  name: string;
  /** GOPS for a compute ceiling; GB/s for the memory one. */
  value: number;
  kind: 'memory' | 'compute';
}

export interface RooflineData {
  threads: number;
  points: RooflinePoint[];
  ceilings: RooflineCeiling[];
}

const format = (x: number) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));

/** The cells at the most threads (one set of ceilings holds for them), checks left out; null when nothing to draw. */
export function rooflineData(instance: InstanceReport): RooflineData | null {
  const cells = instance.kernelCells.filter((c) => !c.check && c.threads !== null);
  if (!cells.length) return null;
  const threads = maxOf(cells.map((c) => c.threads!));
  const points: RooflinePoint[] = [];
  const computeCeilings = new Map<string, RooflineCeiling>();
  // Marks that would cover one another (same path and cache, within 1% on both log axes) are
  // drawn once: a sweep of shapes often repeats a point, and a fleet has thousands of them.
  const drawn = new Set<string>();
  for (const cell of cells.filter((c) => c.threads === threads)) {
    for (const row of cell.rows) {
      if (row.gops === null || row.weightGBs === null || row.gops <= 0 || row.weightGBs <= 0) continue;
      const path = row.isaForced ? `${row.path} (${row.isa})` : row.path;
      const spot = `${path}|${cell.cache}|${Math.round(230 * Math.log10(row.gops / row.weightGBs))}|${Math.round(230 * Math.log10(row.gops))}`;
      if (drawn.has(spot)) continue;
      drawn.add(spot);
      points.push({ intensity: row.gops / row.weightGBs, gops: row.gops, path, cache: cell.cache, cell: `${cell.n}×${cell.k} b${cell.batch}` });
      const kind = computeKindOfPath(row.path);
      const peak = computeAtThreads(instance.cpu.compute, row.isa, kind, threads);
      const name = `${row.isa} ${kind} peak ${format(peak ?? 0)} GOPS`;
      if (peak !== null && peak > 0) computeCeilings.set(name, { name, value: peak, kind: 'compute' });
    }
  }
  if (!points.length) return null;
  const bandwidth = bandwidthAtThreads(instance.cpu.bandwidth, threads);
  const ceilings = [...computeCeilings.values()].sort((a, b) => b.value - a.value);
  if (bandwidth !== null && bandwidth > 0) ceilings.unshift({ name: `memory ${format(bandwidth)} GB/s`, value: bandwidth, kind: 'memory' });
  return { threads, points, ceilings };
}

export function rooflineChartSpec(title: string, data: RooflineData): TopLevelSpec {
  const compute = data.ceilings.filter((c) => c.kind === 'compute');
  const memory = data.ceilings.find((c) => c.kind === 'memory');
  const top = compute.length ? maxOf(compute.map((c) => c.value)) : maxOf(data.points.map((p) => p.gops)) * 2;
  const ridges = compute.map((c) => (memory ? c.value / memory.value : c.value));
  const xMin = minOf([...data.points.map((p) => p.intensity), ...(memory ? ridges : [])]) / 2;
  const xMax = maxOf([...data.points.map((p) => p.intensity), ...(memory ? ridges : [])]) * 2;
  // Each ceiling as a segment: memory rising until it meets the highest compute ceiling, each
  // compute ceiling flat from where memory meets it.
  const lines: { ceiling: string; x: number; y: number }[] = [];
  if (memory) {
    const end = Math.min(xMax, top / memory.value);
    lines.push({ ceiling: memory.name, x: xMin, y: memory.value * xMin }, { ceiling: memory.name, x: end, y: memory.value * end });
  }
  for (const c of compute) {
    const start = memory ? Math.max(xMin, c.value / memory.value) : xMin;
    lines.push({ ceiling: c.name, x: start, y: c.value }, { ceiling: c.name, x: xMax, y: c.value });
  }
  const yMin = minOf([...data.points.map((p) => p.gops), ...lines.map((l) => l.y)]) / 2;
  const colors = pathColorScale([...new Set(data.points.map((p) => p.path))]);
  const x = {
    field: 'x',
    type: 'quantitative',
    title: 'operational intensity (operations per byte of weights, log)',
    scale: { type: 'log', domain: [xMin, xMax], nice: false },
    axis: { format: AXIS_NUMBER_FORMAT, labelOverlap: 'greedy', grid: true },
  } as const;
  const y = {
    field: 'y',
    type: 'quantitative',
    title: 'achieved GOPS (log)',
    scale: { type: 'log', domain: [yMin, top * 1.6], nice: false },
    axis: { format: AXIS_NUMBER_FORMAT, labelOverlap: 'greedy', grid: true },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 420,
    height: 280,
    layer: [
      {
        data: { values: lines },
        // No aria labels: a fleet's rooflines hold thousands of marks, and the tables say the same.
        mark: { type: 'line', strokeWidth: 1.5, aria: false },
        encoding: {
          x,
          y,
          detail: { field: 'ceiling', type: 'nominal' },
          strokeDash: { field: 'ceiling', type: 'nominal', title: 'ceiling', legend: { orient: 'bottom', direction: 'vertical', labelLimit: 400 } },
          color: { value: '#333' },
        },
      },
      {
        data: { values: data.points.map((p) => ({ ...p, x: p.intensity, y: p.gops })) },
        mark: { type: 'point', size: 60, strokeWidth: 1.5, aria: false },
        encoding: {
          x,
          y,
          color: { field: 'path', type: 'nominal', title: 'path', scale: colors },
          shape: { field: 'cache', type: 'nominal', title: 'cache', scale: { domain: ['cold', 'hot'], range: ['circle', 'square'] } },
          fill: { field: 'path', type: 'nominal', scale: colors, legend: null },
          fillOpacity: { condition: { test: "datum.cache === 'cold'", value: 0.9 }, value: 0 },
        },
      },
    ],
    resolve: { scale: { color: 'independent', strokeDash: 'independent' } },
  } as unknown as TopLevelSpec;
}
