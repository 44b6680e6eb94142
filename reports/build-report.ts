// Results -> one HTML page: report data, then its charts rendered to SVG, then the page.
import { buildReportCharts } from './charts/report-charts.js';
import { costRows, pricesFromRuns } from './cost.js';
import { buildReportData, type ReportData, type ReportInput } from './report-data.js';
import { renderReportHtml, type RenderHtmlOptions } from './render-html.js';

export interface BuiltReport {
  data: ReportData;
  html: string;
}

export async function buildReport(input: ReportInput, options: RenderHtmlOptions = {}): Promise<BuiltReport> {
  const data = buildReportData(input);
  const charts = await buildReportCharts(data);
  const costs = costRows(data, pricesFromRuns(input.runs));
  return { data, html: renderReportHtml(data, charts, { ...options, costs }) };
}
