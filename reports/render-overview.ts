// The fleet overview: the maps (decode throughput, speedup over baseline, what bounds each path)
// and, per path, which instance type wins, by how much, per vCPU and per dollar.
import type { ChartSvg } from './charts/report-charts.js';
import type { FleetOverview, PathRanking } from './fleet-overview.js';
import { boundClass } from './bound-class.js';
import { chartHtml, escapeHtml } from './render-html.js';

function rate(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(3);
}

function winnersTable(overview: FleetOverview): string {
  const unit = overview.metric;
  const rows = overview.rankings.map((ranking: PathRanking) => {
    const first = ranking.entries[0]!;
    const cell = overview.cells.find((c) => c.path === ranking.path && c.instanceType === first.instanceType);
    const margin = ranking.margin === null ? 'only one instance type' : `${((ranking.margin - 1) * 100).toFixed(0)}% ahead of ${escapeHtml(ranking.entries[1]!.instanceType)}`;
    const cost = first.usdPerMillionTokens !== null ? `$${escapeHtml(first.usdPerMillionTokens.toFixed(3))}` : '–';
    return (
      `<tr><td>${escapeHtml(ranking.path)}</td><td><strong>${escapeHtml(first.instanceType)}</strong></td>` +
      `<td class=r>${escapeHtml(rate(first.decode))}</td><td>${margin}</td><td class=r>${cost}</td>` +
      `<td>${escapeHtml(ranking.bestPerVcpu ?? '–')}</td><td>${escapeHtml(ranking.bestPerDollar ?? '–')}</td>` +
      `<td>${cell?.verdict ? `<span class="${boundClass(cell.verdict.bound)}">${escapeHtml(cell.verdict.text)}</span>` : '–'}</td></tr>`
    );
  });
  const headers = ['path', 'fastest', `decode ${unit}`, 'by how much', '$ / M tokens there', `best ${unit} per vCPU`, 'best per dollar', 'what bounds it there'];
  return `<table class="winners"><thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function rankingTable(overview: FleetOverview, ranking: PathRanking): string {
  const per = overview.metric === 'tokens/s' ? 'M tokens per $' : 'G operations per $ (×1e-3)';
  const rows = ranking.entries.map(
    (e, index) =>
      `<tr${index === 0 ? ' class="improvement"' : ''}><td class=r>${index + 1}</td><td>${escapeHtml(e.instanceType)}</td>` +
      `<td class=r>${escapeHtml(rate(e.decode))}</td><td class=r${e.instanceType === ranking.bestPerVcpu ? ' style="font-weight:700"' : ''}>${escapeHtml(e.perVcpu === null ? '–' : rate(e.perVcpu))}</td>` +
      `<td class=r${e.instanceType === ranking.bestPerDollar ? ' style="font-weight:700"' : ''}>${escapeHtml(e.perDollar === null ? '–' : rate(e.perDollar))}</td>` +
      `<td class=r>${escapeHtml(e.usdPerMillionTokens === null ? '–' : `$${e.usdPerMillionTokens.toFixed(3)}`)}</td></tr>`,
  );
  const headers = ['#', 'instance type', overview.metric, `${overview.metric} per vCPU`, per, '$ / M tokens'];
  return (
    `<div class="ranking"><h4>${escapeHtml(ranking.path)}</h4><table><thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div>`
  );
}

export function overviewHtml(overview: FleetOverview, charts: readonly ChartSvg[]): string {
  if (!overview.cells.length) return '';
  const what = overview.preset !== null ? `${escapeHtml(overview.preset)} at batch 1` : 'the decode kernel cell (batch 1, cold, largest shape)';
  return (
    `<section id="overview"><h2>Fleet overview</h2>` +
    `<p class="muted">Decode throughput of ${what}, per instance type and path: who wins each path, by how much, at what cost, and what bounds it there.</p>` +
    winnersTable(overview) +
    (charts.length ? `<div class="charts">${charts.map(chartHtml).join('')}</div>` : '') +
    `<h3>Ranking per path</h3><p class="muted">By ${escapeHtml(overview.metric)}, then per vCPU and per dollar (bold: best in that column; dollars from the matrix's hourly prices).</p>` +
    `<div class="rankings">${overview.rankings.map((r) => rankingTable(overview, r)).join('')}</div></section>`
  );
}
