// The table `bitbench local` prints at the end of a run: per kernel cell the median with its
// trial interval, the CV within a trial and between trials, GOPS, weight GB/s, the share of the
// memory-bandwidth roofline reached and the speedup over the baseline path of the same cell (the
// report's rule, reports/speedup.ts, tested on trial medians); per model row the decode tokens/s
// and its roofline share.
import type { StoredResult } from '../store/result-store.js';
import { readKernelResult, readModelResult, trialFigures, type KernelResultView, type ModelResultView } from '../../runner/protocol/result-schema.js';
import { formatSpeedup, referenceFor, speedupOver } from '../../reports/speedup.js';
import type { ModelResult } from '../../runner/model-job.js';
import type { Fingerprint } from '../../runner/fingerprint/fingerprint.js';
import { bandwidthAt } from '../../runner/sandbox/sandbox-job.js';
import { maxOf } from '../../reports/number-extremes.js';
import { verdictWords } from '../../reports/result-verdict.js';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => maxOf(rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

function percent(cv: number | null | undefined): string {
  return typeof cv === 'number' ? `${(100 * cv).toFixed(1)}%` : '-';
}

interface SummaryKernelRow {
  cell: string;
  runId: string;
  path: string;
  isa: string;
  medianNs: number | null;
  trialMedians: number[];
  noisy: boolean;
  result: KernelResultView;
}

function summaryRow(stored: StoredResult): SummaryKernelRow {
  const result = readKernelResult(stored.result);
  return {
    cell:
      `${result.n ?? '?'}x${result.k ?? '?'} b${result.batch ?? '?'} ${result.cache ?? '?'} ${result.threads ?? '?'}t` +
      (result.sparsity?.requested ? ` ${Math.round(100 * result.sparsity.requested)}% zero` : ''),
    runId: stored.runId,
    path: stored.path,
    isa: stored.isa,
    medianNs: result.medianNs ?? null,
    trialMedians: trialFigures('kernel', stored.result),
    noisy: stored.noisy || result.noisy === true,
    result,
  };
}

function ms(ns: number): string {
  const value = ns / 1e6;
  return value >= 10 ? value.toFixed(2) : value.toPrecision(3);
}

/** What tells apart model rows of one preset and path: LM head, KV format and context, sparsity. */
function modelSetting(r: ModelResultView): string {
  // A context past the prompt is a long-context run (--context); otherwise decode starts after the prompt.
  const longContext = r.context !== undefined && r.prompt !== undefined && r.context > r.prompt;
  const parts = [`head ${r.lmHead ?? '?'}`, `KV ${r.kv ?? '?'}${longContext ? ` @${r.context}` : ''}`];
  if (r.sparsity?.mode) parts.push(`act ${r.sparsity.mode} ${r.sparsity.level ?? '?'}`);
  const a = r.attentionSparsity;
  if (a?.mode) parts.push(`attn ${a.mode} ${a.mode === 'window' ? `${a.window ?? '?'}+${a.global ?? '?'}` : (a.level ?? '?')}`);
  return parts.join(', ');
}

export function summarizeRun(results: StoredResult[], fingerprint: Fingerprint): string {
  // Read through the one result schema: a malformed field shows as '-', never as a crash.
  const kernels = results.filter((r) => r.kind === 'kernel').map((r) => summaryRow(r));
  const models = results.filter((r) => r.kind === 'model').map((r) => r.result as ModelResult);
  const out: string[] = [];
  if (kernels.length) {
    const rows = [['cell', 'path', 'isa', 'median ms (95% CI)', 'CV within/between', 'GOPS', 'weight GB/s', '% roofline', 'vs baseline', 'bound', '']];
    const sorted = [...kernels].sort((a, b) => a.cell.localeCompare(b.cell) || a.path.localeCompare(b.path) || a.isa.localeCompare(b.isa));
    for (const row of sorted) {
      const r = row.result;
      const bandwidth = r.threads === undefined ? undefined : bandwidthAt(fingerprint, r.threads);
      const sameCell = kernels.filter((k) => k.cell === row.cell);
      const base = referenceFor(sameCell, row, 'baseline');
      const speedup = base && base !== row ? speedupOver(base, row) : null;
      rows.push([
        row.cell,
        row.path,
        row.isa,
        r.medianNs === undefined ? '-' : `${ms(r.medianNs)}${r.ci95Ns ? ` (${ms(r.ci95Ns[0])}-${ms(r.ci95Ns[1])})` : ''}`,
        `${percent(r.withinTrialCv ?? r.cv)}/${percent(r.betweenTrialCv)}`,
        r.gops === undefined ? '-' : r.gops.toFixed(1),
        r.weightGBs === undefined ? '-' : r.weightGBs.toFixed(1),
        // Against DRAM bandwidth: meaningful for cold cells only (hot ones read from cache).
        bandwidth && r.cache === 'cold' && r.weightGBs !== undefined ? `${((100 * r.weightGBs) / bandwidth).toFixed(0)}%` : '-',
        base === row ? '-' : formatSpeedup(speedup),
        // What holds it back, against this machine's measured ceilings (reports/verdict.ts).
        verdictWords({ jobId: '', runId: row.runId, kind: 'kernel', path: row.path, isa: row.isa, spec: {}, result: r, fingerprint, noisy: row.noisy }),
        row.noisy ? 'noisy' : '',
      ]);
    }
    out.push(table(rows));
  }
  if (models.length) {
    const rows = [['model', 'path', 'isa', 'batch', 'setting', 'decode tok/s', 'step p50 ms', 'prefill tok/s', '% roofline', 'peak RSS GB', 'bound']];
    for (const r of models) {
      rows.push([
        r.preset,
        r.path,
        r.isa,
        String(r.batch),
        modelSetting(readModelResult(r)),
        r.decodeTokS.toFixed(2),
        r.p50Ms.toPrecision(3),
        r.prefillTokS.toFixed(1),
        `${(100 * r.rooflineFraction).toFixed(0)}%`,
        (r.peakRssBytes / 1e9).toFixed(2),
        verdictWords({ jobId: '', runId: '', kind: 'model', path: r.path, isa: r.isa, spec: {}, result: r, fingerprint, noisy: false }),
      ]);
    }
    out.push(table(rows));
  }
  return out.join('\n');
}
