// Per instance type: the roofline chart, the ceilings it was drawn with, and per kernel cell and
// path the verdict in words (what bounds it, at what share of that ceiling).
import type { ChartSvg } from './charts/report-charts.js';
import type { InstanceReport } from './report-data.js';
import { boundClass } from './bound-class.js';
import { chartHtml, escapeHtml } from './render-html.js';
import { BOUND_THRESHOLD, type Verdict } from './verdict.js';

function figure(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toPrecision(3);
}

function ceilingsText(instance: InstanceReport): string {
  const cpu = instance.cpu;
  const parts: string[] = [];
  if (cpu.bandwidth.length) parts.push(`memory read ${cpu.bandwidth.map((p) => `${p.threads}t ${figure(p.readGBs)} GB/s`).join(', ')}`);
  for (const ceiling of cpu.compute) {
    const top = ceiling.points[ceiling.points.length - 1];
    if (!top) continue;
    const fp32 = top.fp32Gflops !== null ? `fp32 ${figure(top.fp32Gflops)} GFLOPS` : '';
    const int8 = top.int8Gops !== null ? `int8 ${figure(top.int8Gops)} GOPS (${ceiling.int8Instruction ?? '?'})` : '';
    parts.push(`${ceiling.isa} at ${top.threads}t: ${[fp32, int8].filter(Boolean).join(', ')}`);
  }
  if (cpu.clockGHz !== null) parts.push(`clock ${cpu.clockGHz.toFixed(2)} GHz`);
  if (!cpu.compute.length) parts.push('no compute probe in this fingerprint (an older runner): verdicts use the memory ceiling only');
  return parts.join('; ');
}

// The matrix repeats for every cell of a sweep: the bound and its share, the full sentence
// being in the legend above ('memory-bound 75%': at 75% of the memory ceiling).
function shortVerdict(verdict: Verdict): string {
  const share = `${Math.round(100 * verdict.fraction)}%`;
  if (verdict.bound === 'memory') return `memory-bound ${share}`;
  if (verdict.bound === 'compute') return `compute-bound ${share}`;
  if (verdict.bound === 'overhead') return `overhead (${share})`;
  return `memory ${share}`;
}

function verdictTable(instance: InstanceReport): string {
  const cells = instance.kernelCells.filter((c) => !c.check);
  const paths = [...new Set(cells.flatMap((c) => c.rows.map((r) => (r.isaForced ? `${r.path} (${r.isa})` : r.path))))];
  if (!cells.length || !paths.length) return '';
  const rows = cells.map((cell) => {
    const entries = paths.map((path) => {
      const row = cell.rows.find((r) => (r.isaForced ? `${r.path} (${r.isa})` : r.path) === path);
      if (!row?.verdict) return '<td class="muted">–</td>';
      return `<td class="${boundClass(row.verdict.bound)}">${escapeHtml(shortVerdict(row.verdict))}</td>`;
    });
    const caption = `${cell.n ?? '?'}×${cell.k ?? '?'}, batch ${cell.batch ?? '?'}, ${cell.threads ?? '?'}t, ${cell.cache}`;
    return `<tr><td>${escapeHtml(caption)}</td>${entries.join('')}</tr>`;
  });
  return `<table class="verdicts"><thead><tr><th>cell</th>${paths.map((p) => `<th>${escapeHtml(p)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function rooflineSectionHtml(instance: InstanceReport, chart: ChartSvg | undefined): string {
  const table = verdictTable(instance);
  if (!chart && !table) return '';
  return (
    `<h3>What bounds each path</h3>` +
    `<p class="muted">Ceilings: ${escapeHtml(ceilingsText(instance))}. A cell at ${Math.round(100 * BOUND_THRESHOLD)}% or more of a ceiling is bound by it: “memory-bound 75%” is at 75% of the memory ceiling, “compute-bound 58%” at 58% of its ISA's peak (fp32 FMA, or int8 dot products for fused-i8); below both, “overhead (N%)” names the nearer share and its time goes elsewhere (decode work, calls, synchronisation). Hot cells read from cache, so only the compute ceiling applies to them.</p>` +
    `<div class="roofline">${chart ? chartHtml(chart) : ''}${table}</div>`
  );
}
