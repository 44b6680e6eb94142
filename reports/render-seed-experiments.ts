// Per instance type, the seed notebook's experiments as quality-against-speed tables with a
// chart each: KV cache formats at a context, activation sparsity (model and kernel) and
// attention sparsity. Every result string is escaped; charts are inline SVG like the rest of
// the page.
import type { ChartSvg } from './charts/report-charts.js';
import { qualitySpeedChartSpec, type QualitySpeedPoint } from './charts/quality-speed-chart.js';
import { renderChart } from './charts/render-chart.js';
import { chartHtml, escapeHtml } from './render-html.js';
import type { AttentionSparsityRow, KernelSparsityRow, KvFormatRow, ModelSparsityRow, SeedExperimentRows } from './seed-experiment-rows.js';
import { attentionSparsityText } from './setting-text.js';

/** Said beside every quality figure: the weights are drawn, not trained. */
export const SYNTHETIC_QUALITY_NOTE =
  'Quality figures come from synthetic (seeded random) weights: they are indicative of each format or setting, not a trained model’s accuracy.';

function fixed(x: number | null, digits: number, suffix = ''): string {
  return x === null ? '–' : `${x.toFixed(digits)}${suffix}`;
}

function percent(x: number | null, digits = 1): string {
  return x === null ? '–' : `${(100 * x).toFixed(digits)}%`;
}

function ratio(x: number | null): string {
  return x === null ? '–' : `${x.toFixed(2)}×`;
}

function bytes(x: number | null): string {
  if (x === null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = x;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function cellTd(text: string, right = false): string {
  return `<td${right ? ' class=r' : ''}>${escapeHtml(text)}</td>`;
}

function tableHtml(headers: string[], rows: string[][], rightFrom: number): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((cells) => `<tr>${cells.map((c, i) => cellTd(c, i >= rightFrom)).join('')}</tr>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const modelCellOf = (r: { preset: string | null; path: string; batch: number | null; threads: number | null }) =>
  `${r.preset ?? '?'} ${r.path} b${r.batch ?? '?'} ${r.threads ?? '?'}t`;

function kvTable(rows: readonly KvFormatRow[]): string {
  return tableHtml(
    ['model', 'path', 'batch', 'threads', 'context', 'fill', 'KV', 'KV bytes / sequence', 'vs bf16', 'decode tok/s', 'vs bf16', 'attention share', 'attention ms / step', 'min cosine vs bf16'],
    rows.map((r) => [
      r.preset ?? '–', r.path, fixed(r.batch, 0), fixed(r.threads, 0), fixed(r.context, 0), r.fill ?? '–', r.kv ?? '–',
      bytes(r.kvBytesPerSequence), ratio(r.bytesVsBf16), fixed(r.decodeTokS, 2), ratio(r.speedVsBf16),
      percent(r.attentionShare), fixed(r.attentionMsPerStep, 2), fixed(r.kvCosineMin, 4),
    ]),
    7,
  );
}

function modelSparsityTable(rows: readonly ModelSparsityRow[]): string {
  return tableHtml(
    ['model', 'path', 'batch', 'threads', 'mode', 'level', 'achieved sparsity', 'zero blocks', 'sparse calls', 'decode tok/s', 'dense tok/s', 'vs dense', 'logits cosine min', 'mean'],
    rows.map((r) => [
      r.preset ?? '–', r.path, fixed(r.batch, 0), fixed(r.threads, 0), r.mode ?? '–', r.level === null ? '–' : String(r.level),
      percent(r.zeroFraction), percent(r.zeroBlockFraction), percent(r.sparseCallFraction, 0),
      fixed(r.decodeTokS, 2), fixed(r.denseDecodeTokS, 2), ratio(r.speedup), fixed(r.logitsCosineMin, 4), fixed(r.logitsCosineMean, 4),
    ]),
    5,
  );
}

function attentionSparsityTable(rows: readonly AttentionSparsityRow[]): string {
  return tableHtml(
    ['model', 'path', 'batch', 'threads', 'context', 'KV', 'attention sparsity', 'scores dropped', 'decode tok/s', 'dense tok/s', 'vs dense', 'attention ms / step', 'dense ms / step', 'min cosine vs dense'],
    rows.map((r) => [
      r.preset ?? '–', r.path, fixed(r.batch, 0), fixed(r.threads, 0), fixed(r.context, 0), r.kv ?? '–', attentionSparsityText(r) ?? '–',
      percent(r.droppedFraction), fixed(r.decodeTokS, 2), fixed(r.denseDecodeTokS, 2), ratio(r.speedVsDense),
      fixed(r.attentionMsPerStep, 2), fixed(r.denseAttentionMsPerStep, 2), fixed(r.cosineMin, 4),
    ]),
    7,
  );
}

function kernelSparsityTable(rows: readonly KernelSparsityRow[]): string {
  return tableHtml(
    ['path', 'ISA', 'shape', 'batch', 'threads', 'cache', 'zeroed', 'asked', 'achieved sparsity', 'zero blocks', 'sparse calls', 'median µs', 'dense µs', 'vs dense'],
    rows.map((r) => [
      r.path, r.isa, `${r.n ?? '?'}×${r.k ?? '?'}`, fixed(r.batch, 0), fixed(r.threads, 0), r.cache ?? '–',
      r.pattern === 'scattered' ? 'one by one' : 'in blocks', percent(r.requested, 0), percent(r.zeroFraction), percent(r.zeroBlockFraction), percent(r.sparseCallFraction, 0),
      fixed(r.medianNs === null ? null : r.medianNs / 1000, 1), fixed(r.denseMedianNs === null ? null : r.denseMedianNs / 1000, 1), ratio(r.speedup),
    ]),
    7,
  );
}

function kvPoints(rows: readonly KvFormatRow[]): QualitySpeedPoint[] {
  return rows.flatMap((r) =>
    r.decodeTokS !== null && r.kvCosineMin !== null
      ? [{ series: r.kv ?? '?', cell: `${modelCellOf(r)} @${r.context ?? '?'}`, speed: r.decodeTokS, quality: r.kvCosineMin }]
      : [],
  );
}

function sparsityPoints(rows: readonly ModelSparsityRow[]): QualitySpeedPoint[] {
  return rows.flatMap((r) =>
    r.speedup !== null && r.logitsCosineMin !== null
      ? [{ series: `${r.mode ?? '?'} ${r.level ?? '?'}`, cell: modelCellOf(r), speed: r.speedup, quality: r.logitsCosineMin }]
      : [],
  );
}

function attentionPoints(rows: readonly AttentionSparsityRow[]): QualitySpeedPoint[] {
  return rows.flatMap((r) =>
    r.speedVsDense !== null && r.cosineMin !== null
      ? [{ series: attentionSparsityText(r) ?? '?', cell: `${modelCellOf(r)} @${r.context ?? '?'}`, speed: r.speedVsDense, quality: r.cosineMin }]
      : [],
  );
}

async function chartOf(title: string, points: QualitySpeedPoint[], speedTitle: string, qualityTitle: string): Promise<string> {
  if (!points.length) return '';
  const chart: ChartSvg = { title, svg: await renderChart(qualitySpeedChartSpec(title, points, speedTitle, qualityTitle)) };
  return `<div class="charts">${chartHtml(chart)}</div>`;
}

export async function seedExperimentsHtml(instanceType: string, rows: SeedExperimentRows): Promise<string> {
  const parts: string[] = [];
  const note = `<p class="muted quality-note">${escapeHtml(SYNTHETIC_QUALITY_NOTE)}</p>`;
  if (rows.kvFormats.length) {
    parts.push(
      `<h3>KV cache formats at long context</h3>` +
        `<p class="muted">Decode measured at the context position; one-byte formats keep a scale per position and KV head. “vs bf16” compares with the bf16 row of the same model, path, batch, threads and context; the cosine is each layer’s attention output against attention over a bf16 cache, the smallest over layers and steps.</p>` +
        note +
        (await chartOf(`${instanceType}: KV format, min cosine vs bf16 against decode tok/s`, kvPoints(rows.kvFormats), 'decode tokens/s at the context', 'min attention cosine vs bf16')) +
        kvTable(rows.kvFormats),
    );
  }
  if (rows.modelSparsity.length || rows.kernelSparsity.length) {
    parts.push(
      `<h3>Activation sparsity</h3>` +
        `<p class="muted">Each timed step also ran dense at the same position over the same cache: “vs dense” is tokens/s over the dense steps’, the cosine that of the logits against the dense step’s. The sparse kernel runs only on calls with enough all-zero column blocks (“sparse calls”).</p>` +
        (rows.modelSparsity.length
          ? note +
            (await chartOf(`${instanceType}: activation sparsity, logits cosine against speed vs dense`, sparsityPoints(rows.modelSparsity), 'decode tokens/s vs dense', 'logits cosine vs dense (min)')) +
            modelSparsityTable(rows.modelSparsity)
          : '') +
        (rows.kernelSparsity.length
          ? `<h4>Sparse GEMV against dense</h4><p class="muted">Activations zeroed in whole column blocks of each sparse kernel’s own width (as top-k-blocks zeroes them); the sparse kernel’s output equals the dense kernel’s on the same activations, so speed is the only figure.</p>` +
            kernelSparsityTable(rows.kernelSparsity)
          : ''),
    );
  }
  if (rows.attentionSparsity.length) {
    parts.push(
      `<h3>Attention sparsity</h3>` +
        `<p class="muted">Each query head’s softmax keeps only some cached positions (top-k: that ratio of the largest scores; threshold: positions at least that probable; dynamic: top-k scaled by the head’s normalized entropy; window: the last positions and the first, global, ones). “Dense” is the run of the same model, path, batch, threads, KV format and context with every position kept; the cosine is each layer’s attention output against dense attention over the same cache, the smallest over layers and steps.</p>` +
        note +
        (await chartOf(`${instanceType}: attention sparsity, min cosine vs dense against speed vs dense`, attentionPoints(rows.attentionSparsity), 'decode tokens/s vs dense attention', 'min attention cosine vs dense')) +
        attentionSparsityTable(rows.attentionSparsity),
    );
  }
  return parts.join('');
}
