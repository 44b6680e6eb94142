// Model decode tokens/s per instance type and path, with the bandwidth roofline (tokens/s if
// every byte a token needs came at the measured memory bandwidth) drawn across each bar.
import type { TopLevelSpec } from 'vega-lite';
import { pathColorScale } from './path-chart.js';

export interface ModelBar {
  group: string;
  path: string;
  decodeTokS: number;
  rooflineTokS: number | null;
}

export function modelChartSpec(title: string, bars: readonly ModelBar[]): TopLevelSpec {
  const paths = [...new Set(bars.map((b) => b.path))];
  const groups = [...new Set(bars.map((b) => b.group))];
  const colors = pathColorScale(paths);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    // With xOffset the step is one bar's band, not the group's.
    width: { step: 16 },
    height: 220,
    data: { values: bars.map((b) => ({ ...b })) },
    encoding: {
      x: { field: 'group', type: 'nominal', title: 'instance type, batch, threads', sort: groups, axis: { labelAngle: -30, labelLimit: 220 } },
      xOffset: { field: 'path', type: 'nominal', sort: colors.domain },
    },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'decodeTokS', type: 'quantitative', title: 'decode tokens/s' },
          color: { field: 'path', type: 'nominal', title: 'path', scale: colors },
        },
      },
      {
        // The roofline: a rule across each bar's band at the bound it could reach.
        transform: [{ filter: 'isValid(datum.rooflineTokS)' }],
        mark: { type: 'tick', color: '#111', thickness: 2, bandSize: 14 },
        encoding: { y: { field: 'rooflineTokS', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
}
