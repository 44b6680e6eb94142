// A result store's runs as a report: the glue between the store and reports/ (which is a pure
// function of records). `bitbench report`, `bitbench local` and `bitbench serve` all call it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ResultStore } from '../store/result-store.js';

const REPORT_DIRECTORY = './bitbench-results';

/** Where an HTML report of these runs goes unless -o says: one file per (latest) run. */
export function defaultReportFile(runIds: readonly string[], directory = REPORT_DIRECTORY): string {
  const last = runIds[runIds.length - 1] ?? 'empty';
  const more = runIds.length > 1 ? `-plus-${runIds.length - 1}` : '';
  return join(directory, `report-${last.replace(/[^A-Za-z0-9._-]+/g, '_')}${more}.html`);
}

export interface WriteReportOptions {
  runIds: readonly string[];
  baselineRunIds?: readonly string[];
  /** Default: defaultReportFile(runIds). */
  output?: string;
  generatedAt?: string;
}

/** The records a report of these runs (and baseline runs) is built from. */
export function reportInput(store: ResultStore, runIds: readonly string[], baselineRunIds: readonly string[]) {
  const runs = runIds.map((id) => store.getRun(id)!);
  const failures = runIds.flatMap((id) => store.failures(id));
  const baseline = baselineRunIds.length
    ? { runs: baselineRunIds.map((id) => store.getRun(id)!), results: store.results({ runIds: baselineRunIds }) }
    : undefined;
  return { runs, results: store.results({ runIds }), failures, ...(baseline ? { baseline } : {}) };
}

/** The HTML report of some runs of an open store. */
export async function htmlReport(store: ResultStore, options: WriteReportOptions): Promise<string> {
  // The charts (Vega) take a while to load: only a page needs them, not `report --help` or --format md.
  const { buildReport } = await import('../../reports/build-report.js');
  const { html } = await buildReport(reportInput(store, options.runIds, options.baselineRunIds ?? []), {
    title: `bitbench report: ${options.runIds.join(', ')}`,
    generatedAt: options.generatedAt ?? new Date().toISOString(),
  });
  return html;
}

/** Writes the HTML report of some runs of an open store; returns the file. What `bitbench local` calls at the end of a run. */
export async function writeHtmlReport(store: ResultStore, options: WriteReportOptions): Promise<string> {
  const html = await htmlReport(store, options);
  const output = options.output ?? defaultReportFile(options.runIds);
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, html);
  return output;
}
