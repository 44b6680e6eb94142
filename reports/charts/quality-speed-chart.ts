// Quality against speed, one point per configuration: a KV format at a context, or an activation
// sparsity setting. Up and to the right is better; a point's colour names its configuration and
// its shape the cell (model, path, context) it belongs to.
import type { TopLevelSpec } from 'vega-lite';

export interface QualitySpeedPoint {
  /** What the colour shows: a KV format, or a sparsity mode and level. */
  series: string;
  /** The cell the point belongs to (model, path, batch, threads, context). */
  cell: string;
  speed: number;
  quality: number;
}

export function qualitySpeedChartSpec(title: string, points: readonly QualitySpeedPoint[], speedTitle: string, qualityTitle: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 320,
    height: 200,
    data: { values: points.map((p) => ({ ...p })) },
    mark: { type: 'point', filled: true, size: 80 },
    encoding: {
      x: { field: 'speed', type: 'quantitative', title: speedTitle, scale: { zero: false } },
      y: { field: 'quality', type: 'quantitative', title: qualityTitle, scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: 'setting' },
      shape: { field: 'cell', type: 'nominal', title: 'cell' },
    },
  } as TopLevelSpec;
}
