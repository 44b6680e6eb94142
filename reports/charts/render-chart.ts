// A Vega-Lite spec -> an SVG string, in Node at report build time: compile to Vega, run a
// headless View (renderer 'none': no canvas, no DOM) and serialize its scenegraph. The page
// then needs no script to show a chart.
import { compile, type TopLevelSpec } from 'vega-lite';
import { parse, View } from 'vega';
import { escapeControlCharacters } from '../text-safety/control-characters.js';

// One look for every chart: the page's font and muted axes.
const CONFIG = {
  font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif',
  axis: { labelColor: '#333', titleColor: '#333', gridColor: '#e6e6e6' },
  view: { stroke: null },
  legend: { orient: 'top' },
} as const;

export const CHART_FONT = CONFIG.font;

// A fleet report has hundreds of marks per chart: coordinates to 0.01 px and the font left to
// the page's CSS (a presentation attribute loses to CSS anyway) make the file a third smaller.
function compact(svg: string): string {
  return svg.replace(/(\d+\.\d\d)\d+/g, '$1').replaceAll(` font-family="${CONFIG.font}"`, '');
}

export async function renderChart(spec: TopLevelSpec): Promise<string> {
  const { spec: vegaSpec } = compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec);
  // A chart is rendered from data inlined in the spec: no loader may reach a file or the network.
  const view = new View(parse(vegaSpec), { renderer: 'none', loader: noLoader() });
  try {
    // Labels come from results (paths, ISAs): their control characters are shown, as in the page's text.
    return escapeControlCharacters(compact(await view.toSVG()), '\n\r\t');
  } finally {
    view.finalize();
  }
}

function noLoader() {
  const refuse = async () => {
    throw new Error('Report charts take inline data only');
  };
  return { load: refuse, sanitize: refuse, http: refuse, file: refuse } as unknown as NonNullable<ConstructorParameters<typeof View>[1]>['loader'];
}
