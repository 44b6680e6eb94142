// Results -> one HTML page: report data, the headline and fleet overview drawn from it, then the
// charts rendered to SVG, then the page.
import { buildReportCharts } from './charts/report-charts.js';
import { costRows, pricesFromRuns } from './cost.js';
import { buildFleetOverview } from './fleet-overview.js';
import { buildHeadline } from './headline.js';
import { buildReportData, type ReportData, type ReportInput } from './report-data.js';
import { headlineHtml } from './render-headline.js';
import { renderReportHtml, type RenderHtmlOptions } from './render-html.js';
import { overviewHtml } from './render-overview.js';
import { rooflineSectionHtml } from './render-roofline.js';
import { seedExperimentsHtml } from './render-seed-experiments.js';

export interface BuiltReport {
  data: ReportData;
  html: string;
}

export async function buildReport(input: ReportInput, options: RenderHtmlOptions = {}): Promise<BuiltReport> {
  const data = buildReportData(input);
  const prices = pricesFromRuns(input.runs);
  const overview = buildFleetOverview(data, prices);
  const charts = await buildReportCharts(data, overview);
  const costs = costRows(data, prices);
  const instanceAnalysisHtml = new Map(
    await Promise.all(data.instances.map(async (i) => [
      i.instanceType,
      rooflineSectionHtml(i, charts.rooflines.get(i.instanceType)) + (i.seedExperiments ? await seedExperimentsHtml(i.instanceType, i.seedExperiments) : ''),
    ] as const)),
  );
  const html = renderReportHtml(data, charts, {
    ...options,
    costs,
    headlineHtml: headlineHtml(buildHeadline(data, prices)),
    overviewHtml: overviewHtml(overview, charts.overview),
    instanceAnalysisHtml,
  });
  return { data, html };
}
