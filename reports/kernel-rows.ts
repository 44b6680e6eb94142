// Kernel results -> cells (one shape, batch, threads, cache mode and share of activations zeroed)
// of path rows: the median
// with its interval, rates, the share of the memory ceiling, speedups within the cell, and the
// verdict of what bounds each row.
import { referenceFor } from './speedup.js';
import { bandwidthAtThreads, computeAtThreads, type BandwidthView, type ComputeCeilingView } from './cpu-card.js';
import type { BaselineChange } from './baseline-change.js';
import { isCheckShape } from './check-rows.js';
import type { ReportResultInput } from './report-input.js';
import { byText, num, record, str } from './read-json.js';
import { readKernelResult } from '../runner/protocol/result-schema.js';
import { zeroedShareText } from './setting-text.js';
import { classifyKernel, computeKindOfPath, type Verdict } from './verdict.js';

export interface KernelRow {
  jobId: string;
  runId: string;
  path: string;
  isa: string;
  /** The spec forced this ISA (an ISA comparison), rather than the best one being picked. */
  isaForced: boolean;
  medianNs: number | null;
  ci95Ns: [number, number] | null;
  cv: number | null;
  p10Ns: number | null;
  p90Ns: number | null;
  sampleCount: number;
  outlierCount: number;
  gops: number | null;
  weightGBs: number | null;
  /** weightGBs / measured read bandwidth at this thread count; cold cells only. */
  rooflineFraction: number | null;
  /** What bounds it: memory, compute or overhead, in words; null where no ceiling is known. */
  verdict: Verdict | null;
  speedupVsBaseline: number | null;
  speedupVsCachedF32: number | null;
  noisy: boolean;
  change: BaselineChange | null;
}

export interface KernelCell {
  /** 'n x k, batch, threads, cache, share zeroed' as one key: stable, for sorting and charts. */
  key: string;
  n: number | null;
  k: number | null;
  batch: number | null;
  threads: number | null;
  cache: string;
  /** The fraction of activations zeroed that was asked for; null: dense. */
  sparsity: number | null;
  /** Zeroed one by one (top-k's shape) rather than in aligned blocks. */
  scattered: boolean;
  /** A shape too small to measure a kernel (check-rows.ts): shown apart, as a check. */
  check: boolean;
  rows: KernelRow[];
}

export interface KernelFacts {
  n: number | null;
  k: number | null;
  batch: number | null;
  threads: number | null;
  cache: string;
  sparsity: number | null;
  scattered: boolean;
}

export function kernelFacts(stored: ReportResultInput): KernelFacts {
  // The result through the one schema (a malformed field reads as absent); the spec as stored.
  const result = readKernelResult(stored.result);
  const spec = record(stored.spec);
  const requested = num(result.sparsity?.requested, spec.sparsity);
  return {
    n: num(result.n, spec.n),
    k: num(result.k, spec.k),
    batch: num(result.batch, spec.batch),
    threads: num(result.threads, spec.threads),
    cache: str(result.cache, spec.cache) ?? 'unknown',
    // A dense run and a sparse one of the same shape are different cells: never paired.
    sparsity: requested !== null && requested > 0 ? requested : null,
    // Zeros one by one and zeros in blocks at one share are different cells too.
    scattered: requested !== null && requested > 0 && (result.sparsity?.pattern ?? spec.sparsityPattern) === 'scattered',
  };
}

export function cellKey(f: KernelFacts): string {
  const zeroed = zeroedShareText(f.sparsity, f.scattered);
  return `${f.n ?? '?'}x${f.k ?? '?'} b${f.batch ?? '?'} ${f.threads ?? '?'}t ${f.cache}${zeroed === undefined ? '' : ` ${zeroed}`}`;
}

export function newCell(key: string, facts: KernelFacts): KernelCell {
  return { key, ...facts, check: isCheckShape(facts.n, facts.k), rows: [] };
}

// Same instance type, cell, path and ISA: what a baseline run's row means by "the same cell".
export function kernelIdentity(instanceType: string, key: string, path: string, isa: string): string {
  return [instanceType, key, path, isa].join('|');
}

export function kernelRow(stored: ReportResultInput, facts: KernelFacts, bandwidth: readonly BandwidthView[], compute: readonly ComputeCeilingView[]): KernelRow {
  const result = readKernelResult(stored.result);
  const weightGBs = num(result.weightGBs);
  const gops = num(result.gops);
  // Against DRAM bandwidth: meaningful for cold cells only (hot ones read from cache).
  const dram = facts.cache === 'cold' ? bandwidthAtThreads(bandwidth, facts.threads) : null;
  const kind = computeKindOfPath(stored.path);
  return {
    jobId: stored.jobId,
    runId: stored.runId,
    path: stored.path,
    isa: stored.isa,
    isaForced: str(record(stored.spec).isa) !== null,
    medianNs: num(stored.medianNs, result.medianNs),
    ci95Ns: result.ci95Ns ?? null,
    cv: num(result.cv),
    p10Ns: num(result.p10Ns),
    p90Ns: num(result.p90Ns),
    sampleCount: result.samples.length,
    outlierCount: result.outliers.length,
    gops,
    weightGBs,
    rooflineFraction: dram !== null && dram > 0 && weightGBs !== null ? weightGBs / dram : null,
    verdict: classifyKernel({
      gops,
      weightGBs,
      memoryGBs: dram,
      computeGops: computeAtThreads(compute, stored.isa, kind, facts.threads),
      computeCeiling: `${stored.isa} ${kind}`,
    }),
    speedupVsBaseline: null,
    speedupVsCachedF32: null,
    noisy: stored.noisy || result.noisy === true,
    change: null,
  };
}

// The row a speedup is measured against: the one rule `bitbench local`'s summary uses too.
export function referenceRow(rows: readonly KernelRow[], row: KernelRow, path: string): KernelRow | undefined {
  return referenceFor(rows, row, path);
}

/** Speedups within each cell: against baseline and cached-f32 of the same run. */
export function fillKernelSpeedups(cell: KernelCell): void {
  for (const row of cell.rows) {
    if (row.medianNs === null || row.medianNs <= 0) continue;
    const baselineRow = referenceRow(cell.rows, row, 'baseline');
    const cachedRow = referenceRow(cell.rows, row, 'cached-f32');
    row.speedupVsBaseline = baselineRow ? baselineRow.medianNs! / row.medianNs : null;
    row.speedupVsCachedF32 = cachedRow ? cachedRow.medianNs! / row.medianNs : null;
  }
}

/** Measurements before checks; cold before hot (what a model's layers see); then shape, batch, threads; dense before sparse. */
export function compareCells(a: KernelCell, b: KernelCell): number {
  const n = (x: number | null, y: number | null) => (x ?? Infinity) - (y ?? Infinity) || 0;
  const cacheRank = (c: string) => (c === 'cold' ? 0 : c === 'hot' ? 1 : 2);
  return (
    Number(a.check) - Number(b.check) ||
    cacheRank(a.cache) - cacheRank(b.cache) ||
    byText(a.cache, b.cache) ||
    n(a.n, b.n) ||
    n(a.k, b.k) ||
    n(a.batch, b.batch) ||
    n(a.threads, b.threads) ||
    (a.sparsity ?? 0) - (b.sparsity ?? 0)
  );
}
