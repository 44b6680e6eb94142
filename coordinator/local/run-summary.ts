// The table `bitbench local` prints at the end of a run: per kernel cell the median with its
// confidence interval, GOPS, weight GB/s, the share of the memory-bandwidth roofline reached
// and the speedup over the baseline path of the same cell; per model row the decode tokens/s
// and its roofline share.
import type { StoredResult } from '../store/result-store.js';
import type { KernelResult } from '../../runner/kernel-job.js';
import type { ModelResult } from '../../runner/model-job.js';
import type { Fingerprint } from '../../runner/fingerprint/fingerprint.js';
import { bandwidthAt } from '../../runner/sandbox/sandbox-job.js';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

function ms(ns: number): string {
  const value = ns / 1e6;
  return value >= 10 ? value.toFixed(2) : value.toPrecision(3);
}

export function summarizeRun(results: StoredResult[], fingerprint: Fingerprint): string {
  const kernels = results.filter((r) => r.kind === 'kernel').map((r) => r.result as KernelResult);
  const models = results.filter((r) => r.kind === 'model').map((r) => r.result as ModelResult);
  const out: string[] = [];
  if (kernels.length) {
    const cell = (r: KernelResult) => `${r.n}x${r.k} b${r.batch} ${r.cache} ${r.threads}t`;
    const baseline = new Map(kernels.filter((r) => r.path === 'baseline').map((r) => [cell(r), r]));
    const rows = [['cell', 'path', 'isa', 'median ms (95% CI)', 'GOPS', 'weight GB/s', '% roofline', 'vs baseline', '']];
    const sorted = [...kernels].sort((a, b) => cell(a).localeCompare(cell(b)) || a.path.localeCompare(b.path) || a.isa.localeCompare(b.isa));
    for (const r of sorted) {
      const bandwidth = bandwidthAt(fingerprint, r.threads);
      const base = baseline.get(cell(r));
      rows.push([
        cell(r),
        r.path,
        r.isa,
        `${ms(r.medianNs)} (${ms(r.ci95Ns[0])}-${ms(r.ci95Ns[1])})`,
        r.gops.toFixed(1),
        r.weightGBs.toFixed(1),
        // Against DRAM bandwidth: meaningful for cold cells only (hot ones read from cache).
        bandwidth && r.cache === 'cold' ? `${((100 * r.weightGBs) / bandwidth).toFixed(0)}%` : '-',
        base ? `${(base.medianNs / r.medianNs).toFixed(2)}x` : '-',
        r.noisy ? 'noisy' : '',
      ]);
    }
    out.push(table(rows));
  }
  if (models.length) {
    const rows = [['model', 'path', 'isa', 'batch', 'decode tok/s', 'step p50 ms', 'prefill tok/s', '% roofline', 'peak RSS GB']];
    for (const r of models) {
      rows.push([
        r.preset,
        r.path,
        r.isa,
        String(r.batch),
        r.decodeTokS.toFixed(2),
        r.p50Ms.toPrecision(3),
        r.prefillTokS.toFixed(1),
        `${(100 * r.rooflineFraction).toFixed(0)}%`,
        (r.peakRssBytes / 1e9).toFixed(2),
      ]);
    }
    out.push(table(rows));
  }
  return out.join('\n');
}
