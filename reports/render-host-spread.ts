// The host spread of one instance type (host-spread.ts) as a small HTML table: per CPU model,
// kernels and models apart, the hosts, the cells they share, and the spread between hosts beside
// the spread within one.
import type { HostSpread } from './host-spread.js';

type Escape = (value: unknown) => string;

const MEASURED: Record<HostSpread['kind'], string> = { kernel: 'kernel median', model: 'model decode tok/s' };

function percent(cv: number | null): string {
  return cv === null ? '–' : `${(100 * cv).toFixed(1)}%`;
}

export function renderHostSpread(spread: readonly HostSpread[] | undefined, escapeHtml: Escape): string {
  // One host of one CPU model says nothing about host-to-host spread: show the table only
  // where some CPU model had two or more hosts.
  if (!spread?.some((s) => s.hosts.length > 1)) return '';
  const rows = spread.map((s) =>
    `<tr><td>${escapeHtml(s.cpuModel)}</td><td>${escapeHtml(MEASURED[s.kind])}</td><td>${escapeHtml(s.hosts.length)}</td><td>${escapeHtml(s.sharedCells)}</td>` +
    `<td>${escapeHtml(percent(s.betweenHostCv))}</td><td>${escapeHtml(percent(s.withinHostCv))}</td></tr>`);
  return '<h4>Host to host</h4><p class="muted">Per CPU model the hosts had: the CV of the hosts\' figures of one cell ' +
    '(between hosts) beside the CV between one host\'s trials of a cell (within a host); medians over cells. ' +
    'Kernel cells compare median times, model cells decode tokens/s.</p>' +
    '<table><thead><tr><th>CPU model</th><th>measured</th><th>hosts</th><th>shared cells</th><th>between hosts</th><th>within a host</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`;
}
