// `bitbench report`: a result store's runs as one self-contained HTML page (or the report data
// as JSON, or the export tables as Markdown or CSV).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildReportData } from '../../reports/report-data.js';
import { engineComparisonMarkdown } from '../../reports/render-engine-markdown.js';
import { reportInput, writeHtmlReport } from '../reporting/store-report.js';
import { exportResults } from '../store/export-results.js';
import { DEFAULT_STORE_FILE, ResultStore } from '../store/result-store.js';
import { UsageError } from './cli-error.js';
import { openStoreForReading } from './open-store.js';
import { storeOutputOptions } from './store-output-options.js';
import { printOut } from '../../reports/text-safety/terminal-text.js';
import { jsonText } from '../../reports/text-safety/json-text.js';

export const REPORT_FORMATS = ['html', 'md', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const reportHelp = `Usage: bitbench report [options]

Writes a report of stored results: by default the latest run as one HTML page that opens
offline (charts inlined as SVG, no script), and prints where it went.

Options:
  --db FILE            the result store               (default: ${DEFAULT_STORE_FILE})
  --run ID             this run; repeat to put several runs (instance types) in one report
                       (default: the latest run)
  --baseline ID        compare every cell with this run's (repeatable): the change and its
                       significance (Mann-Whitney U on the raw samples); regressions marked
  --format FORMAT      html | md | csv | json   (default: from -o's extension, else html)
  -o, --output FILE    write to FILE (default for html: ./bitbench-results/report-RUN.html;
                       the others go to stdout)
  -h, --help           this help

Formats:
  html   the page: a CPU card per instance type, the path comparison per kernel cell (hot and
         cold apart) with charts, model tokens/s against the bandwidth roofline, failed jobs
  json   the report data behind the page
  md     the export table (as 'bitbench export --format md'), then bitbench's best path
         against llama.cpp's best quant where both engines ran
  csv    the export rows (as 'bitbench export --format csv')
`;

const FORMAT_BY_EXTENSION: Record<string, ReportFormat> = { '.html': 'html', '.htm': 'html', '.json': 'json', '.md': 'md', '.csv': 'csv' };

function checkRunIds(store: ResultStore, file: string, flag: string, ids: readonly string[]): void {
  for (const id of ids) {
    if (id.trim() === '' || /[\u0000-\u001f\u007f]/.test(id)) throw new UsageError(`--${flag}: expected a run id but received '${id}'`);
    if (store.getRun(id) === undefined) {
      const known = store.listRuns().map((run) => run.id);
      const hint = known.length === 0 ? 'it has no runs' : `its runs: ${known.slice(-5).join(', ')}${known.length > 5 ? ', ...' : ''}`;
      throw new UsageError(`--${flag}: no run '${id}' in ${file} (${hint})`);
    }
  }
}

function withEngineComparison(table: string, comparison: string): string {
  return comparison === '' ? table : `${table}\n${comparison}`;
}

export async function reportCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      db: { type: 'string' },
      run: { type: 'string', multiple: true },
      baseline: { type: 'string', multiple: true },
      format: { type: 'string' },
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(reportHelp);
    return;
  }
  const { file, output, format } = storeOutputOptions(values, REPORT_FORMATS, FORMAT_BY_EXTENSION, 'html');

  const store = openStoreForReading(file);
  try {
    let runIds = values.run === undefined ? undefined : [...new Set(values.run)];
    const baselineRunIds = [...new Set(values.baseline ?? [])];
    checkRunIds(store, file, 'run', runIds ?? []);
    checkRunIds(store, file, 'baseline', baselineRunIds);
    if (runIds === undefined) {
      const latest = store.listRuns().at(-1);
      if (latest === undefined) throw new UsageError(`--db: ${file} has no runs yet (run 'bitbench local' first)`);
      runIds = [latest.id];
    }
    const overlap = runIds.filter((id) => baselineRunIds.includes(id));
    if (overlap.length) throw new UsageError(`--baseline: run '${overlap[0]}' is also a --run; compare a run with another one`);

    if (format === 'html') {
      const written = await writeHtmlReport(store, { runIds, baselineRunIds, ...(output !== undefined ? { output } : {}) });
      printOut(`${resolve(written)}\n`);
      return;
    }
    const text =
      format === 'json'
        ? jsonText(buildReportData(reportInput(store, runIds, baselineRunIds)), 2) + '\n'
        : format === 'md'
          ? withEngineComparison(exportResults(store, { format, runIds }), engineComparisonMarkdown(buildReportData(reportInput(store, runIds, []))))
          : exportResults(store, { format, runIds });
    if (output === undefined) {
      printOut(text);
      return;
    }
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, text);
  } finally {
    store.close();
  }
}
