// `bitbench export`: a result store's results as JSON lines, CSV or a Markdown table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { EXPORT_FORMATS, exportResults, type ExportFormat } from '../store/export-results.js';
import { DEFAULT_STORE_FILE } from '../store/result-store.js';
import { UsageError } from './cli-error.js';
import { openStoreForReading } from './open-store.js';
import { storeOutputOptions } from './store-output-options.js';
import { printOut } from '../../reports/text-safety/terminal-text.js';

export const exportHelp = `Usage: bitbench export [options]

Writes the results of a result store out, to stdout unless -o is given.

Options:
  --db FILE            the result store               (default: ${DEFAULT_STORE_FILE})
  --run ID             only this run's results; repeat for several runs   (default: every run)
  --format FORMAT      jsonl | csv | md    (default: from -o's extension, else md)
  -o, --output FILE    write to FILE instead of stdout
  -h, --help           this help

Formats:
  jsonl  one JSON object per result: ids, kind, instance type, path, ISA, the spec, the full
         result (every sample), the fingerprint, medianNs, tokensPerS, noisy, start and end
  csv    a header, then one row per result, for a spreadsheet: ids, kind, instance type, CPU
         model, path, ISA, shape or preset, batch, threads, cache, KV format; the figures
         (median ns and its 95% CI, CV, GOPS, weight GB/s, decode and prefill tokens/s,
         roofline fraction), what bounds it, noisy, start and end; then the trials: their
         count, the interval's source (trials or samples), the CV within and between trials,
         where a repeat run lands 95% of the time (kernel: rerun95_low_ns/high_ns; model:
         decode_tok_s_rerun95_low/high, beside decode_tok_s_ci95_low/high); the host, the
         context, the LM head, activation sparsity (kernel: the fraction zeroed; model: mode
         and level) and attention sparsity (mode and level, or window W+G); the spec as JSON last.
         A figure a result lacks, or holds malformed, is an empty cell
  md     a table like llama-bench's, grouped by instance type and shape: CPU model, path, ISA,
         batch, threads, cache (a model's KV format, its context past the prompt, an LM head
         other than bf16 and any sparsity: 'kv int8 @8192, act top-k 0.7'; a kernel's share
         zeroed), median ms ± half the 95% CI (tokens/s for a model), GOPS or % of the
         bandwidth roofline, whether the result was noisy, and what bounds it
`;

const FORMAT_BY_EXTENSION: Record<string, ExportFormat> = { '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.csv': 'csv', '.md': 'md' };

export async function exportCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      db: { type: 'string' },
      run: { type: 'string', multiple: true },
      format: { type: 'string' },
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(exportHelp);
    return;
  }
  const { file, output, format } = storeOutputOptions(values, EXPORT_FORMATS, FORMAT_BY_EXTENSION, 'md');

  const store = openStoreForReading(file);
  let text: string;
  try {
    const runIds = values.run === undefined ? undefined : [...new Set(values.run)];
    for (const id of runIds ?? []) {
      if (id.trim() === '' || /[\u0000-\u001f\u007f]/.test(id)) throw new UsageError(`--run: expected a run id but received '${id}'`);
      if (store.getRun(id) === undefined) {
        const known = store.listRuns().map((run) => run.id);
        const hint = known.length === 0 ? 'it has no runs' : `its runs: ${known.slice(-5).join(', ')}${known.length > 5 ? ', ...' : ''}`;
        throw new UsageError(`--run: no run '${id}' in ${file} (${hint})`);
      }
    }
    text = exportResults(store, { format, ...(runIds ? { runIds } : {}) });
  } finally {
    store.close();
  }
  if (output === undefined) {
    printOut(text);
    return;
  }
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, text);
}
