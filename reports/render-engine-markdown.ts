// The engine comparison as a Markdown table, for `bitbench report --format md`: after the export
// table, one row per instance type, model, batch and threads where bitbench and llama.cpp both ran.
import type { EngineBest, EngineRatio } from './engine-comparison.js';
import type { ReportData } from './report-data.js';
import { maxOf } from './number-extremes.js';
import { markdownCell } from './text-safety/markdown-cell.js';


function bestText(best: EngineBest, digits: number): string {
  const name = best.quant !== null ? `llama.cpp ${best.quant}${best.cpuVariant !== null ? ` (${best.cpuVariant})` : ''}` : best.path;
  return `${name} ${best.tokS.toFixed(digits)}${best.noisy ? ' noisy' : ''}`;
}

function ratioCells(ratio: EngineRatio | null, digits: number): string[] {
  if (ratio === null) return ['-', '-', '-'];
  return [bestText(ratio.bitbench, digits), bestText(ratio.llama, digits), `${ratio.ratio.toFixed(2)}x ${ratio.verdict === 'level' ? 'level' : `bitbench ${ratio.verdict}`}`];
}

const HEADERS = ['instance type', 'model', 'batch', 'threads', 'decode: bitbench tok/s', 'llama.cpp tok/s', 'bitbench / llama.cpp', 'prefill: bitbench tok/s', 'llama.cpp tok/s', 'bitbench / llama.cpp'];
const RIGHT = new Set([2, 3, 6, 9]);

/** The table, with a heading; '' where no instance type ran both engines. */
export function engineComparisonMarkdown(data: ReportData): string {
  const rows = data.instances.flatMap((instance) =>
    instance.engines.map((e) =>
      [instance.instanceType, e.preset ?? '-', String(e.batch ?? '-'), String(e.threads ?? '-'), ...ratioCells(e.decode, 2), ...ratioCells(e.prefill, 1)].map(markdownCell),
    ),
  );
  if (!rows.length) return '';
  const widths = HEADERS.map((h, i) => maxOf(rows.map((row) => row[i]!.length), h.length, 3));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (RIGHT.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ') + ' |';
  const rule = '| ' + widths.map((w, i) => (RIGHT.has(i) ? '-'.repeat(w - 1) + ':' : '-'.repeat(w))).join(' | ') + ' |';
  return ['## bitbench vs llama.cpp', '', 'Best of each engine at the same model, batch and threads; above 1x bitbench leads, within 2% is level.', '', line(HEADERS), rule, ...rows.map(line)].join('\n') + '\n';
}
