// Instance type x path at a glance: one coloured square per pair with its figure written in it,
// darker for more (or coloured by category, for what bounds each path). Empty where a pair did
// not run. The figure's text flips to white on dark squares so it stays legible.
import type { TopLevelSpec } from 'vega-lite';
import { AXIS_NUMBER_FORMAT } from './time-unit.js';

export interface HeatmapCell {
  row: string;
  column: string;
  /** What the colour encodes: a number, or a category for a nominal map. */
  value: number | string;
  /** What is written in the square. */
  label: string;
}

export interface HeatmapOptions {
  rowTitle: string;
  columnTitle: string;
  legendTitle: string;
  rows: readonly string[];
  columns: readonly string[];
  /** 'quantitative': a sequential scheme; 'nominal': the given categories and colours. */
  kind: 'quantitative' | 'nominal';
  categories?: { domain: string[]; range: string[] };
  /** Quantitative maps: the vega colour scheme; default 'blues'. */
  scheme?: string;
}

export function heatmapChartSpec(title: string, cells: readonly HeatmapCell[], options: HeatmapOptions): TopLevelSpec {
  const numeric = cells.map((c) => c.value).filter((v): v is number => typeof v === 'number');
  const high = numeric.length ? numeric.reduce((a, b) => Math.max(a, b), -Infinity) : 1;
  const low = numeric.length ? numeric.reduce((a, b) => Math.min(a, b), Infinity) : 0;
  const color =
    options.kind === 'nominal'
      ? { field: 'value', type: 'nominal', title: options.legendTitle, scale: options.categories }
      : {
          field: 'value',
          type: 'quantitative',
          title: options.legendTitle,
          scale: { scheme: options.scheme ?? 'blues', zero: false },
          legend: { format: AXIS_NUMBER_FORMAT },
        };
  // White text where the square is dark: the top third of a sequential scale.
  const dark =
    options.kind === 'nominal' ? 'false' : `datum.value >= ${low + (2 * (high - low)) / 3}`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values: cells.map((c) => ({ ...c })) },
    width: { step: 96 },
    height: { step: 34 },
    encoding: {
      x: { field: 'column', type: 'nominal', title: options.columnTitle, sort: [...options.columns], axis: { labelAngle: 0, labelLimit: 400, orient: 'top' } },
      y: { field: 'row', type: 'nominal', title: options.rowTitle, sort: [...options.rows], axis: { labelLimit: 400 } },
    },
    layer: [
      { mark: { type: 'rect', stroke: '#fff', strokeWidth: 2 }, encoding: { color } },
      {
        mark: { type: 'text', fontSize: 11, fontWeight: 600 },
        encoding: { text: { field: 'label', type: 'nominal' }, color: { condition: { test: dark, value: '#fff' }, value: '#111' } },
      },
    ],
  } as unknown as TopLevelSpec;
}
