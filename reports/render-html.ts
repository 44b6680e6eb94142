// Report data and its charts -> one self-contained HTML page: inline CSS, inline SVG, no script,
// no external URL, so it opens offline and runs nothing. Every string that came from a result
// (instance type, CPU model, ISA, error text, ids) goes through escapeHtml: results arrive from
// remote machines. A Content-Security-Policy that allows no script backs that up.
import { describeComparison } from './trial-comparison.js';
import { renderHostSpread } from './render-host-spread.js';
import { CHART_FONT } from './charts/render-chart.js';
import { timeUnitFor, type TimeUnit } from './charts/time-unit.js';
import { CHECK_SHAPE_WEIGHTS } from './check-rows.js';
import { boundClass } from './bound-class.js';
import type { Verdict } from './verdict.js';
import { escapeControlCharacters } from './text-safety/control-characters.js';
import { maxOf, minOf } from './number-extremes.js';
import type { CostRow } from './cost.js';
import type { ChartSvg, ReportCharts } from './charts/report-charts.js';
import type { EngineBest, EngineComparison, EngineRatio } from './engine-comparison.js';
import type { BaselineChange, CpuCard, FailureRow, InstanceReport, KernelCell, KernelRow, ModelRow, ReportData } from './report-data.js';
import { modelSetting } from './model-rows.js';
import { zeroedShareText } from './setting-text.js';
import { unexposedIsaReason } from '../runner/fingerprint/unexposed-isa.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text safe inside an element or a quoted attribute; control characters (NUL, ESC, bidi overrides) shown escaped. */
export function escapeHtml(value: unknown): string {
  return escapeControlCharacters(String(value ?? ''), '\n\r\t').replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/** An id attribute from any text: only [a-z0-9-], so it needs no escaping. */
function anchor(prefix: string, text: string): string {
  return `${prefix}-${text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

function fixed(x: number | null, digits: number, suffix = ''): string {
  return x === null ? '–' : `${x.toFixed(digits)}${suffix}`;
}

function percent(fraction: number | null): string {
  return fraction === null ? '–' : `${(100 * fraction).toFixed(0)}%`;
}

function speedup(x: number | null): string {
  return x === null ? '–' : `${x.toFixed(2)}×`;
}

function gigabytes(bytes: number | null): string {
  return bytes === null ? '–' : `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

function changeCell(change: BaselineChange | null, higherIsBetter: boolean): string {
  if (change === null) return '<td>–</td>';
  const delta = higherIsBetter ? change.ratio - 1 : 1 / change.ratio - 1;
  const text = `${delta >= 0 ? '+' : ''}${(100 * delta).toFixed(1)}% faster`;
  const significance = describeComparison(change.comparison);
  const cls = change.regression ? 'regression' : change.improvement ? 'improvement' : '';
  const label = change.regression ? ' <strong>regression</strong>' : '';
  return `<td class="${cls}">${escapeHtml(text)} <span class="muted">(${escapeHtml(significance)})</span>${label}</td>`;
}

function table(headers: string[], rows: string[], className = ''): string {
  return `<table class="${className}"><thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

// Per ISA at its most threads: the roofline's flat ceilings (runner/fingerprint/compute-peaks.ts).
function computePeaksText(cpu: CpuCard): string {
  const parts = cpu.compute.flatMap((c) => {
    const top = c.points[c.points.length - 1];
    if (!top) return [];
    return [`<code>${escapeHtml(c.isa)}</code> ${escapeHtml(top.threads)}t ${escapeHtml(fixed(top.fp32Gflops, 0))} GFLOPS fp32, ${escapeHtml(fixed(top.int8Gops, 0))} GOPS int8`];
  });
  if (!parts.length) return 'not measured';
  return parts.join('<br>') + (cpu.clockGHz !== null ? `<br><span class="muted">clock ${escapeHtml(cpu.clockGHz.toFixed(2))} GHz</span>` : '');
}

// The flags this instance's cores are known to have but it does not show (a hypervisor hiding
// AVX-512, say): why its kernels are not the part's best.
function unexposedIsaHtml(cpu: CpuCard): string {
  if (!cpu.unexposedIsaFlags.length) return '';
  const flags = cpu.unexposedIsaFlags.map((f) => `<code>${escapeHtml(f)}</code>`).join(' ');
  const why = cpu.microarchitecture === null ? '' : ` (${escapeHtml(unexposedIsaReason(cpu.microarchitecture))})`;
  return `<br><span class="muted">not exposed here: ${flags}${why}</span>`;
}

function cpuCardHtml(cpu: CpuCard, resultCount: number): string {
  const bandwidth = cpu.bandwidth.length
    ? cpu.bandwidth.map((p) => `${escapeHtml(p.threads)}t ${escapeHtml(p.readGBs.toFixed(1))}`).join(', ') + ' GB/s read'
    : 'not measured';
  const cores =
    cpu.logicalCpus === null ? '–' : `${cpu.logicalCpus} logical${cpu.physicalCores === null ? '' : `, ${cpu.physicalCores} physical`}`;
  const items: [string, string][] = [
    ['CPU', escapeHtml(cpu.modelName ?? 'unknown')],
    ['vendor / arch', `${escapeHtml(cpu.vendor ?? '–')} / ${escapeHtml(cpu.arch ?? '–')}`],
    ['microarchitecture', escapeHtml(cpu.microarchitecture ?? '–')],
    ['cores', escapeHtml(cores)],
    ['memory', escapeHtml(gigabytes(cpu.memoryBytes))],
    ['ISA flags', (cpu.isaFlags.map((f) => `<code>${escapeHtml(f)}</code>`).join(' ') || '–') + unexposedIsaHtml(cpu)],
    ['ISA used', cpu.isasUsed.map((f) => `<code>${escapeHtml(f)}</code>`).join(' ') || '–'],
    ['dense library', escapeHtml(cpu.blas ?? 'none')],
    ['bandwidth', bandwidth],
    ['compute peaks', computePeaksText(cpu)],
    ['results', escapeHtml(resultCount)],
  ];
  return `<article class="card"><h3><a href="#${anchor('instance', cpu.instanceType)}">${escapeHtml(cpu.instanceType)}</a></h3><dl>${items
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`)
    .join('')}</dl></article>`;
}

function kernelRowHtml(cell: KernelCell, row: KernelRow, withChange: boolean, unit: TimeUnit): string {
  const time = (ns: number | null) => (ns === null ? '–' : timeIn(ns, unit));
  const ci = row.ci95Ns ? `${time(row.ci95Ns[0])}–${time(row.ci95Ns[1])}` : '–';
  const cells = [
    `<td>${escapeHtml(row.path)}</td>`,
    `<td><code>${escapeHtml(row.isa)}</code>${row.isaForced ? ' <span class="muted">forced</span>' : ''}</td>`,
    `<td class=r>${escapeHtml(time(row.medianNs))}</td>`,
    `<td class=r>${escapeHtml(ci)}</td>`,
    `<td class=r>${escapeHtml(row.cv === null ? '–' : `${(100 * row.cv).toFixed(1)}%`)}</td>`,
    `<td class=r>${escapeHtml(fixed(row.gops, 1))}</td>`,
    `<td class=r>${escapeHtml(fixed(row.weightGBs, 1))}</td>`,
    `<td class=r>${escapeHtml(cell.cache === 'cold' ? percent(row.rooflineFraction) : 'n/a (hot)')}</td>`,
    `<td class=r>${escapeHtml(speedup(row.speedupVsBaseline))}</td>`,
    `<td class=r>${escapeHtml(speedup(row.speedupVsCachedF32))}</td>`,
    `<td>${row.noisy ? '<span class="noisy">noisy</span>' : ''}</td>`,
  ];
  if (withChange) cells.push(changeCell(row.change, false));
  return `<tr>${cells.join('')}</tr>`;
}

function kernelCellTable(cell: KernelCell, withChange: boolean): string {
  // One unit per table, from its own medians: a 20 µs cell reads '20.3', not '0.0203'.
  const unit = timeUnitFor(cell.rows.flatMap((r) => (r.medianNs === null ? [] : [r.medianNs / 1e6])));
  // What bounds each row is in the verdict table above (render-roofline.ts), once per cell and path.
  const headers = ['path', 'ISA', `median ${unit.name}`, `95% CI ${unit.name}`, 'CV', 'GOPS', 'weight GB/s', '% roofline', 'vs baseline', 'vs cached-f32', ''];
  if (withChange) headers.push('vs baseline run');
  const zeroed = zeroedShareText(cell.sparsity);
  const caption = `${cell.n ?? '?'}×${cell.k ?? '?'}, batch ${cell.batch ?? '?'}, ${cell.threads ?? '?'} threads, ${cell.cache}${zeroed === undefined ? '' : `, ${zeroed}`}`;
  return `<h5>${escapeHtml(caption)}${cell.check ? ' <span class="check">check</span>' : ''}</h5>` + table(headers, cell.rows.map((row) => kernelRowHtml(cell, row, withChange, unit)));
}

function kernelTables(instance: InstanceReport, withChange: boolean): string {
  if (!instance.kernelCells.length) return '<p class="muted">No kernel results.</p>';
  const measured = instance.kernelCells.filter((c) => !c.check);
  const out: string[] = [];
  for (const cache of [...new Set(measured.map((c) => c.cache))]) {
    out.push(`<h4>${escapeHtml(cache)} cache</h4>`);
    for (const cell of measured.filter((c) => c.cache === cache)) out.push(kernelCellTable(cell, withChange));
  }
  const checks = instance.kernelCells.filter((c) => c.check);
  if (checks.length) {
    out.push(`<h4>Kernel checks <span class="check">check</span></h4><p class="muted">${escapeHtml(CHECK_NOTE)}</p>`);
    for (const cell of checks) out.push(kernelCellTable(cell, withChange));
  }
  return out.join('');
}

const CHECK_NOTE = `Shapes under ${CHECK_SHAPE_WEIGHTS.toLocaleString('en')} weights and the tiny model check that a path runs; a call takes microseconds, so the figure is mostly overhead. They are kept out of the charts, cards and rankings.`;

function verdictCell(verdict: Verdict | null): string {
  return verdict ? `<td class="${boundClass(verdict.bound)}">${escapeHtml(verdict.text)}</td>` : '<td class="muted">–</td>';
}

function timeIn(ns: number, unit: TimeUnit): string {
  const value = (ns / 1e6) * unit.perMs;
  return value >= 100 ? value.toFixed(1) : value.toPrecision(3);
}

function modelTable(all: ModelRow[], withChange: boolean): string {
  const measured = all.filter((m) => !m.check);
  const checks = all.filter((m) => m.check);
  return (
    (measured.length ? `<h4>Model</h4>${modelRowsTable(measured, withChange)}` : '') +
    (checks.length ? `<h4>Model checks <span class="check">check</span></h4><p class="muted">${escapeHtml(CHECK_NOTE)}</p>${modelRowsTable(checks, withChange)}` : '')
  );
}

// A roofline drawn at the run's own read rate (the probe around it read less) is marked where
// its share is printed, with both rates.
function runCeilingMark(m: ModelRow): string {
  if (m.bandwidthSource !== 'run') return '';
  const probe = m.probeBandwidthGBs !== null ? `; the bandwidth probe around it read ${fixed(m.probeBandwidthGBs, 1)} GB/s` : '';
  const title = `roofline at ${fixed(m.bandwidthGBs, 1)} GB/s, this run's own reads${probe}`;
  return ` <span class="muted" title="${escapeHtml(title)}">${escapeHtml("run's reads")}</span>`;
}

function modelRowsTable(models: ModelRow[], withChange: boolean): string {
  // The setting (KV format and context, LM head, sparsity) tells apart rows of one model and path.
  const headers = ['model', 'path', 'ISA', 'batch', 'threads', 'setting', 'decode tok/s', 'roofline tok/s', '% roofline', 'prefill tok/s', 'step p50 ms', 'vs baseline', 'bound', ''];
  if (withChange) headers.push('vs baseline run');
  const rows = models.map((m) => {
    const cells = [
      `<td>${escapeHtml(m.preset ?? '–')}</td>`,
      `<td>${escapeHtml(m.path)}</td>`,
      // llama.cpp picks its own kernels: the backend it loaded says more than bitbench's ISA.
      `<td><code>${escapeHtml(m.isa)}</code>${m.llamaCpuVariant !== null ? ` <span class="muted">llama.cpp ${escapeHtml(m.llamaCpuVariant)}</span>` : ''}</td>`,
      `<td class=r>${escapeHtml(m.batch ?? '–')}</td>`,
      `<td class=r>${escapeHtml(m.threads ?? '–')}</td>`,
      `<td>${escapeHtml(modelSetting(m) ?? '–')}</td>`,
      `<td class=r>${escapeHtml(fixed(m.decodeTokS, 2))}</td>`,
      `<td class=r>${escapeHtml(fixed(m.rooflineTokS, 2))}</td>`,
      `<td class=r>${escapeHtml(percent(m.rooflineFraction))}${runCeilingMark(m)}</td>`,
      `<td class=r>${escapeHtml(fixed(m.prefillTokS, 1))}</td>`,
      `<td class=r>${escapeHtml(m.p50Ms === null ? '–' : m.p50Ms.toPrecision(3))}</td>`,
      `<td class=r>${escapeHtml(speedup(m.speedupVsBaseline))}</td>`,
      m.check ? '<td><span class="check">check</span></td>' : verdictCell(m.verdict),
      `<td>${m.noisy ? '<span class="noisy">noisy</span>' : ''}</td>`,
    ];
    if (withChange) cells.push(changeCell(m.change, true));
    return `<tr>${cells.join('')}</tr>`;
  });
  return table(headers, rows);
}

function engineBestCell(best: EngineBest, digits: number): string {
  const name = best.quant !== null ? `llama.cpp ${best.quant}` : best.path;
  const variant = best.cpuVariant !== null ? ` <span class="muted">(${escapeHtml(best.cpuVariant)})</span>` : '';
  const noisy = best.noisy ? ' <span class="noisy">noisy</span>' : '';
  return `<td>${escapeHtml(name)}${variant}${noisy}</td><td class=r>${escapeHtml(best.tokS.toFixed(digits))}</td>`;
}

function engineRatioCells(ratio: EngineRatio | null, digits: number): string {
  if (ratio === null) return '<td>–</td><td class=r>–</td><td>–</td><td class=r>–</td><td>–</td>';
  const cls = ratio.verdict === 'leads' ? 'improvement' : ratio.verdict === 'trails' ? 'regression' : '';
  const verdict = ratio.verdict === 'level' ? 'level' : `bitbench ${ratio.verdict}`;
  return (
    engineBestCell(ratio.bitbench, digits) +
    engineBestCell(ratio.llama, digits) +
    `<td class="${cls}">${escapeHtml(speedup(ratio.ratio))} ${escapeHtml(verdict)}</td>`
  );
}

/** bitbench's best path against llama.cpp's best quant; with `instanceType`, a column naming it (the fleet table). */
function engineTable(rows: readonly (EngineComparison & { instanceType?: string })[], withInstance: boolean): string {
  const headers = [
    ...(withInstance ? ['instance type'] : []),
    'model', 'batch', 'threads',
    'decode: bitbench best', 'tok/s', 'llama.cpp best', 'tok/s', 'bitbench ÷ llama.cpp',
    'prefill: bitbench best', 'tok/s', 'llama.cpp best', 'tok/s', 'bitbench ÷ llama.cpp',
  ];
  const body = rows.map(
    (e) =>
      `<tr>${withInstance ? `<td>${escapeHtml(e.instanceType ?? '')}</td>` : ''}<td>${escapeHtml(e.preset ?? '–')}</td>` +
      `<td class=r>${escapeHtml(e.batch ?? '–')}</td><td class=r>${escapeHtml(e.threads ?? '–')}</td>` +
      engineRatioCells(e.decode, 2) +
      engineRatioCells(e.prefill, 1) +
      `</tr>`,
  );
  return table(headers, body, 'engines');
}

const ENGINE_NOTE =
  "The best of each engine at the same model, batch and threads (highest tokens/s over its paths or quants, runs and KV types; bitbench's dense rows decoding right after the prompt, as llama.cpp runs): above 1× bitbench's kernels lead, below they trail; within 2% is level.";

/** One sentence: where bitbench leads and trails llama.cpp's decode on this instance type. */
function engineSummary(rows: readonly EngineComparison[]): string {
  const decode = rows.map((r) => r.decode).filter((r): r is EngineRatio => r !== null);
  if (!decode.length) return '';
  const count = (verdict: string) => decode.filter((r) => r.verdict === verdict).length;
  const lowest = minOf(decode.map((r) => r.ratio));
  const highest = maxOf(decode.map((r) => r.ratio));
  const range = lowest === highest ? speedup(lowest) : `${speedup(lowest)} to ${speedup(highest)}`;
  return `<p>Decode: bitbench leads llama.cpp in ${count('leads')} of ${decode.length}, trails in ${count('trails')}, level in ${count('level')} (bitbench ÷ llama.cpp ${escapeHtml(range)}).</p>`;
}

function engineSection(instance: InstanceReport): string {
  if (!instance.engines.length) return '';
  return `<h4>bitbench vs llama.cpp</h4>${engineSummary(instance.engines)}<p class="muted">${escapeHtml(ENGINE_NOTE)}</p>${engineTable(instance.engines, false)}`;
}

function fleetEngineSection(data: ReportData): string {
  const rows = data.instances.flatMap((i) => i.engines.map((e) => ({ ...e, instanceType: i.instanceType })));
  if (!rows.length) return '';
  return `<h2>bitbench vs llama.cpp</h2><p class="muted">${escapeHtml(ENGINE_NOTE)}</p>${engineTable(rows, true)}`;
}

function failureTable(failures: FailureRow[]): string {
  if (!failures.length) return '';
  const rows = failures.map(
    (f) =>
      `<tr><td>${escapeHtml(f.instanceType)}</td><td><code>${escapeHtml(f.runId)}</code></td><td><code>${escapeHtml(f.jobId)}</code></td>` +
      `<td class=r>${escapeHtml(f.attempt)}</td><td>${escapeHtml(f.signal ?? '')}</td><td class="reason">${escapeHtml(f.reason)}</td><td>${escapeHtml(f.at)}</td></tr>`,
  );
  return table(['instance type', 'run', 'job', 'attempt', 'signal', 'reason', 'at'], rows, 'failures');
}

// SVG from vega is trusted markup (vega escapes the text it writes), but a chart is still put
// through a final check: a script element or an event handler attribute is never emitted.
// The namespace attributes go: inline SVG in HTML needs none, and the page then holds no URL at all.
export function chartHtml(chart: ChartSvg): string {
  // Looked for in the markup only: attribute values and text are blanked first, so a CPU model
  // named '... onerror=...' (escaped, harmless text) does not trip it.
  const markup = chart.svg.replace(/"[^"]*"/g, '""').replace(/>[^<]*</g, '><');
  const unsafe = /<script|<foreignObject|<iframe|\son[a-z]+\s*=/i.test(markup) || /href\s*=\s*"\s*javascript:/i.test(chart.svg);
  const svg = unsafe ? '<p class="muted">chart left out: unexpected markup</p>' : chart.svg.replace(/\s+xmlns(?::xlink)?="[^"]*"/g, '');
  return `<figure class="chart"><figcaption>${escapeHtml(chart.title)}</figcaption>${svg}</figure>`;
}

const CSS = `
:root{color-scheme:light;--fg:#1d1d1f;--muted:#6b6b70;--line:#e3e3e6;--bg:#fff;--accent:#e15759}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1400px;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:0 0 8px}h4{font-size:15px;margin:20px 0 6px}h5{font-size:13px;margin:14px 0 4px;color:var(--muted)}
.muted{color:var(--muted)}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:12px}
.card dl{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:0}.card dt{color:var(--muted)}.card dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;margin:4px 0 8px;font-size:13px}th,td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f6f7;font-weight:600}td.r{text-align:right;font-variant-numeric:tabular-nums}
td.reason{max-width:640px;overflow-wrap:anywhere;white-space:pre-wrap}
.noisy{color:#9a6700;font-weight:600}.regression{background:#fdecea}.improvement{background:#e8f5e9}
.chart svg text{font-family:${CHART_FONT}}
.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{margin:0;overflow-x:auto;max-width:100%}.chart figcaption{font-size:12px;color:var(--muted)}
table.engines td{white-space:nowrap}
nav a{margin-right:12px}
.check{display:inline-block;font-size:11px;font-weight:600;color:#5a4a00;background:#fff3c4;border:1px solid #e6d38a;border-radius:4px;padding:0 5px}
.bound-memory{background:#e3eef8}.bound-compute{background:#fdebd8}.bound-overhead{background:#efefef}.bound-unclear{background:#f4f0fa}
span.bound-memory,span.bound-compute,span.bound-overhead,span.bound-unclear{padding:0 4px;border-radius:3px}
.headline-card h3{font-size:18px}.card-cpu{margin:0 0 8px;overflow-wrap:anywhere}
.picks{display:grid;grid-template-columns:1fr 1fr;gap:12px}.pick h4{margin:0 0 4px;font-size:13px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.pick-path{margin:0;font-size:16px}.big-figure{font-size:24px;font-weight:700}.pick dl{grid-template-columns:auto 1fr;display:grid;gap:2px 8px;margin:0;font-size:12.5px}
.headline-cards{grid-template-columns:repeat(auto-fill,minmax(520px,1fr))}
.rankings{display:flex;flex-wrap:wrap;gap:8px 24px}.ranking h4{margin:8px 0 2px}
.roofline{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}table.verdicts td{font-size:12px}
`;

export interface RenderHtmlOptions {
  title?: string;
  /** Cost per million tokens where prices are known (reports/cost.ts). */
  costs?: CostRow[];
  /** When the page was made (ISO time), shown in the header; omitted when not given. */
  generatedAt?: string;
  /** The headline cards, rendered (render-headline.ts). */
  headlineHtml?: string;
  /** The fleet overview, rendered (render-overview.ts). */
  overviewHtml?: string;
  /** Per instance type its roofline and verdicts, rendered (render-roofline.ts). */
  instanceAnalysisHtml?: ReadonlyMap<string, string>;
}

function costTable(rows: CostRow[]): string {
  if (rows.length === 0) return '';
  return (
    `<h2>Cost per million tokens</h2><p class="muted">From the hourly prices in the matrix: price / (decode tokens/s x 3600) x 10<sup>6</sup>; the cheapest instance type per model, batch, path and setting is marked.</p>` +
    table(
      ['model', 'batch', 'path', 'setting', 'instance type', 'decode tok/s', '$ / hour', '$ / M tokens', ''],
      rows.map(
        (r) =>
          `<tr${r.cheapest ? ' class="improvement"' : ''}><td>${escapeHtml(r.preset)}</td><td class=r>${escapeHtml(r.batch)}</td><td>${escapeHtml(r.path)}</td>` +
          `<td>${escapeHtml(r.setting ?? '–')}</td><td>${escapeHtml(r.instanceType)}</td><td class=r>${escapeHtml(r.decodeTokS.toFixed(2))}</td><td class=r>${escapeHtml(r.usdPerHour.toFixed(4))}</td>` +
          `<td class=r>${escapeHtml(r.usdPerMillionTokens.toFixed(3))}</td><td>${r.cheapest ? 'cheapest' : ''}</td></tr>`,
      ),
    )
  );
}

export function renderReportHtml(data: ReportData, charts: ReportCharts, options: RenderHtmlOptions = {}): string {
  const title = options.title ?? 'bitbench report';
  const withChange = data.baselineRunIds.length > 0;
  const runs = table(
    ['run', 'instance type', 'matrix', 'started', 'finished', 'status', 'results', 'failures', 'tool'],
    data.runs.map(
      (r) =>
        `<tr><td><code>${escapeHtml(r.id)}</code></td><td>${escapeHtml(r.instanceType)}</td><td>${escapeHtml(r.matrixName ?? '–')}</td>` +
        `<td>${escapeHtml(r.startedAt)}</td><td>${escapeHtml(r.finishedAt ?? '–')}</td><td>${escapeHtml(r.status ?? '–')}</td>` +
        `<td class=r>${escapeHtml(r.resultCount)}</td><td class=r>${escapeHtml(r.failureCount)}</td><td>${escapeHtml(r.toolVersion ?? '–')}</td></tr>`,
    ),
  );
  const resultsPer = (instanceType: string) => {
    const instance = data.instances.find((i) => i.instanceType === instanceType)!;
    return instance.kernelCells.reduce((n, c) => n + c.rows.length, 0) + instance.models.length;
  };
  const sections = data.instances.map((instance) => {
    const instanceCharts = charts.instances.get(instance.instanceType) ?? [];
    return (
      `<section id="${anchor('instance', instance.instanceType)}"><h2>${escapeHtml(instance.instanceType)} <span class="muted">${escapeHtml(instance.cpu.modelName ?? '')}</span></h2>` +
      (options.instanceAnalysisHtml?.get(instance.instanceType) ?? '') +
      (instanceCharts.length ? `<div class="charts">${instanceCharts.map(chartHtml).join('')}</div>` : '') +
      kernelTables(instance, withChange) +
      modelTable(instance.models, withChange) +
      engineSection(instance) +
      renderHostSpread(instance.hostSpread, escapeHtml) +
      (instance.failures.length ? `<h4>Failed jobs</h4>${failureTable(instance.failures)}` : '') +
      `</section>`
    );
  });
  const baselineNote = withChange
    ? `<p>Compared with baseline run${data.baselineRunIds.length > 1 ? 's' : ''} ${data.baselineRunIds.map((id) => `<code>${escapeHtml(id)}</code>`).join(', ')}: the change per cell, with a two-sided Mann-Whitney U test on the raw samples; <span class="regression">regressions</span> are significant (p &lt; 0.05) slowdowns over 2%.</p>`
    : '';
  const nav =
    (options.headlineHtml ? '<a href="#headline">Headline</a>' : '') +
    (options.overviewHtml ? '<a href="#overview">Fleet overview</a>' : '') +
    '<a href="#machines">Machines</a>' +
    data.instances.map((i) => `<a href="#${anchor('instance', i.instanceType)}">${escapeHtml(i.instanceType)}</a>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1>
<p class="muted">${escapeHtml(data.resultCount)} results from ${escapeHtml(data.runs.length)} run${data.runs.length === 1 ? '' : 's'} on ${escapeHtml(data.instances.length)} instance type${data.instances.length === 1 ? '' : 's'}; ${escapeHtml(data.failures.length)} failed attempt${data.failures.length === 1 ? '' : 's'}${options.generatedAt ? `; made ${escapeHtml(options.generatedAt)}` : ''}.</p>
<nav>${nav}</nav></header>
${baselineNote}
${options.headlineHtml ?? ''}
${options.overviewHtml ?? ''}
<h2 id="machines">Machines</h2>
<div class="cards">${data.instances.map((i) => cpuCardHtml(i.cpu, resultsPer(i.instanceType))).join('')}</div>
${charts.fleet.length ? `<div class="charts">${charts.fleet.map(chartHtml).join('')}</div>` : ''}
${charts.models.length ? `<h2>Model tokens/s</h2><div class="charts">${charts.models.map(chartHtml).join('')}</div>` : ''}
${fleetEngineSection(data)}
${costTable(options.costs ?? [])}
${sections.join('\n')}
${data.failures.length ? `<h2>Failed jobs</h2>${failureTable(data.failures)}` : ''}
<h2>Runs</h2>
${runs}
<footer class="muted"><p>Times are medians per call with a 95% bootstrap confidence interval; % roofline is weight GB/s over the read bandwidth measured at that thread count (cold cells only); speedups are against the same run and cell (the same KV format, context, LM head and sparsity).</p></footer>
</body>
</html>
`;
}
