// Grouped bars of compute paths: one group per kernel cell (or per instance type), one bar per
// path, the median time on a log scale (paths differ by 100x) with its 95% CI as a whisker.
import type { TopLevelSpec } from 'vega-lite';
import { PATH_ORDER } from '../path-order.js';
import { AXIS_NUMBER_FORMAT, timeUnitFor } from './time-unit.js';

export interface PathBar {
  group: string;
  path: string;
  isa: string;
  medianMs: number;
  lowMs: number;
  highMs: number;
  noisy: boolean;
}

export const PATH_COLORS: Record<string, string> = {
  baseline: '#9e9e9e',
  'cached-f32': '#4e79a7',
  'cached-bf16': '#76b7b2',
  fused: '#e15759',
  'fused-i8': '#f28e2b',
  // llama.cpp's rows (path `llama.cpp:<quant>`): greens for its ternary types, purples for dense,
  // the same in every chart, so its bars read as one engine beside bitbench's.
  'llama.cpp:tq2_0': '#59a14f',
  'llama.cpp:tq1_0': '#8cd17d',
  'llama.cpp:bf16': '#b07aa1',
  'llama.cpp:f16': '#d4a6c8',
};

/** Paths with no colour of their own, by their place among such paths; none of PATH_COLORS' hues. */
const EXTRA_COLORS = ['#edc948', '#ff9da7', '#9c755f', '#bab0ac', '#86bcb6'];

export function pathColorScale(paths: readonly string[]) {
  const known = PATH_ORDER as readonly string[];
  const others = paths.filter((p) => !known.includes(p)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const domain = [...PATH_ORDER.filter((p) => paths.includes(p)), ...others];
  let extra = 0;
  return { domain, range: domain.map((p) => PATH_COLORS[p] ?? EXTRA_COLORS[extra++ % EXTRA_COLORS.length]!) };
}

export function pathChartSpec(title: string, bars: readonly PathBar[], groupTitle: string, colorTitle = 'path'): TopLevelSpec {
  const paths = [...new Set(bars.map((b) => b.path))];
  const groups = [...new Set(bars.map((b) => b.group))];
  const colors = pathColorScale(paths);
  const unit = timeUnitFor(bars.map((b) => b.medianMs));
  const x = { field: 'group', type: 'nominal', title: groupTitle, sort: groups, axis: { labelAngle: -30, labelLimit: 200 } } as const;
  const xOffset = { field: 'path', type: 'nominal', sort: colors.domain } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    // With xOffset the step is one bar's band, not the group's.
    width: { step: 16 },
    height: 220,
    data: {
      values: bars.map((b) => ({
        ...b,
        median: b.medianMs * unit.perMs,
        low: b.lowMs * unit.perMs,
        high: b.highMs * unit.perMs,
        label: `${b.path} (${b.isa})${b.noisy ? ' noisy' : ''}`,
      })),
    },
    encoding: { x, xOffset },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          // No stack: a stack starts at 0, and 0 on a log scale turns every position into NaN.
          y: {
            field: 'median',
            type: 'quantitative',
            title: `median ${unit.name} per call (log)`,
            scale: { type: 'log' },
            stack: null,
            axis: { format: AXIS_NUMBER_FORMAT, labelOverlap: 'greedy' },
          },
          color: { field: 'path', type: 'nominal', title: colorTitle, scale: colors },
          opacity: { condition: { test: 'datum.noisy', value: 0.5 }, value: 1 },
        },
      },
      {
        // The whisker repeats its bar's label; unlabelled, a chart of 250 bars is a third smaller.
        mark: { type: 'rule', color: '#222', aria: false },
        // The y scale is log for every layer: a layer left linear would be merged into it and draw NaN.
        encoding: { y: { field: 'low', type: 'quantitative', scale: { type: 'log' } }, y2: { field: 'high' } },
      },
    ],
  } as TopLevelSpec;
}
