// Scaling lines: GOPS per path as threads (or batch) grow, for one shape and cache mode.
import type { TopLevelSpec } from 'vega-lite';
import { pathColorScale } from './path-chart.js';

export interface ScalingPoint {
  x: number;
  path: string;
  gops: number;
}

export function scalingChartSpec(title: string, xTitle: string, points: readonly ScalingPoint[]): TopLevelSpec {
  const colors = pathColorScale([...new Set(points.map((p) => p.path))]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 320,
    height: 200,
    data: { values: points.map((p) => ({ ...p })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xTitle, scale: { type: 'log', base: 2 }, axis: { values: [...new Set(points.map((p) => p.x))] } },
      y: { field: 'gops', type: 'quantitative', title: 'GOPS' },
      color: { field: 'path', type: 'nominal', title: 'path', scale: colors },
    },
  } as TopLevelSpec;
}
