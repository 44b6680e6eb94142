// Stored results -> what a report shows: per instance type a CPU card, the path comparison per
// kernel cell (hot and cold apart), model rows and failed jobs. Pure: no store, no clock, no
// file system. Results arrive from remote machines and from older or newer runners, so every
// field is read defensively; a missing figure is null in the report, never an exception.
// The input types are structural (the coordinator's StoredRun/StoredResult/StoredFailure fit),
// so reports do not import the coordinator.
import { compareEngines, LLAMA_ENGINE, llamaQuantOfPath, type EngineComparison } from './engine-comparison.js';
import { mannWhitneyU, type SampleComparison } from './sample-comparison.js';
import { FLEET_RUN_INSTANCE_TYPE } from '../runner/protocol/queue-name.js';

export interface ReportRunInput {
  id: string;
  startedAt: string;
  finishedAt?: string | null;
  status?: string;
  matrixName?: string;
  instanceType: string;
  fingerprint?: unknown;
  toolVersion?: string;
  /** The run's matrix (its `prices` give the cost table). */
  matrix?: unknown;
}

export interface ReportResultInput {
  jobId: string;
  runId: string;
  kind: string;
  instanceType: string;
  path: string;
  isa: string;
  spec: unknown;
  result: unknown;
  fingerprint: unknown;
  medianNs?: number;
  tokensPerS?: number;
  noisy: boolean;
}

export interface ReportFailureInput {
  jobId: string;
  runId: string;
  reason: string;
  signal?: string | null;
  at: string;
  attempt?: number;
  /** Where it failed, for a fleet run; else the run's instance type is meant. */
  instanceType?: string | null;
}

export interface ReportInput {
  runs: readonly ReportRunInput[];
  results: readonly ReportResultInput[];
  failures?: readonly ReportFailureInput[];
  /** Results of the runs to compare against (`--baseline RUN_ID`): each cell's change. */
  baseline?: { runs: readonly ReportRunInput[]; results: readonly ReportResultInput[] };
}

/** Paths in the order the design lists them; any later path sorts after these, by name. */
export const PATH_ORDER = ['baseline', 'cached-f32', 'cached-bf16', 'fused', 'fused-i8'] as const;

export interface BandwidthView {
  threads: number;
  readGBs: number;
  triadGBs: number | null;
}

export interface CpuCard {
  instanceType: string;
  vendor: string | null;
  modelName: string | null;
  arch: string | null;
  microarchitecture: string | null;
  /** ISA flags the CPU has (bitbench's own detection), in the fingerprint's order. */
  isaFlags: string[];
  /** The ISAs kernels and models actually ran with, sorted. */
  isasUsed: string[];
  logicalCpus: number | null;
  physicalCores: number | null;
  threadsPerCore: number | null;
  memoryBytes: number | null;
  hypervisor: boolean | null;
  blas: string | null;
  bandwidth: BandwidthView[];
  /** The highest read bandwidth measured, GB/s. */
  peakReadGBs: number | null;
  runIds: string[];
}

/** One baseline-run comparison of a row: the change of the median and whether it is significant. */
export interface BaselineChange {
  baselineMedian: number;
  /** current / baseline: above 1 is slower for times, faster for tokens/s. */
  ratio: number;
  comparison: SampleComparison;
  /** Significantly worse than the baseline run (p < 0.05 and more than 2% slower). */
  regression: boolean;
  improvement: boolean;
}

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
  speedupVsBaseline: number | null;
  speedupVsCachedF32: number | null;
  noisy: boolean;
  change: BaselineChange | null;
}

export interface KernelCell {
  /** 'n x k, batch, threads, cache' as one key: stable, for sorting and charts. */
  key: string;
  n: number | null;
  k: number | null;
  batch: number | null;
  threads: number | null;
  cache: string;
  rows: KernelRow[];
}

export interface ModelRow {
  jobId: string;
  runId: string;
  preset: string | null;
  /** bitbench, or llama.cpp (whose rows' path is `llama.cpp:<quant>`). */
  engine: string;
  /** llama.cpp's weight type; null for bitbench. */
  quant: string | null;
  /** The ggml CPU backend llama.cpp loaded; null for bitbench or where the result lacks it. */
  llamaCpuVariant: string | null;
  path: string;
  isa: string;
  batch: number | null;
  threads: number | null;
  kv: string | null;
  prompt: number | null;
  tokens: number | null;
  decodeTokS: number | null;
  prefillTokS: number | null;
  p50Ms: number | null;
  rooflineTokS: number | null;
  rooflineFraction: number | null;
  bandwidthGBs: number | null;
  peakRssBytes: number | null;
  speedupVsBaseline: number | null;
  noisy: boolean;
  change: BaselineChange | null;
}

export interface FailureRow {
  jobId: string;
  runId: string;
  instanceType: string;
  reason: string;
  signal: string | null;
  at: string;
  attempt: number;
}

export interface InstanceReport {
  instanceType: string;
  cpu: CpuCard;
  /** Cold cells first (what a model's layers see), then hot; within each by shape, batch, threads. */
  kernelCells: KernelCell[];
  models: ModelRow[];
  /** bitbench's best path against llama.cpp's best quant, per model, batch and threads where both ran. */
  engines: EngineComparison[];
  failures: FailureRow[];
}

export interface RunView {
  id: string;
  startedAt: string;
  finishedAt: string | null;
  status: string | null;
  matrixName: string | null;
  instanceType: string;
  toolVersion: string | null;
  resultCount: number;
  failureCount: number;
}

export interface ReportData {
  runs: RunView[];
  baselineRunIds: string[];
  /** Every path seen, in PATH_ORDER then by name. */
  paths: string[];
  instances: InstanceReport[];
  failures: FailureRow[];
  resultCount: number;
}

type JsonRecord = Record<string, unknown>;

function record(value: unknown): JsonRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonRecord) : {};
}

function num(...candidates: unknown[]): number | null {
  const found = candidates.find((c): c is number => typeof c === 'number' && Number.isFinite(c));
  return found ?? null;
}

function str(...candidates: unknown[]): string | null {
  const found = candidates.find((c): c is string => typeof c === 'string' && c !== '');
  return found ?? null;
}

function numbers(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)) : [];
}

function pair(value: unknown): [number, number] | null {
  const xs = numbers(value);
  return Array.isArray(value) && value.length === 2 && xs.length === 2 ? [xs[0]!, xs[1]!] : null;
}

const byText = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

export function comparePaths(a: string, b: string): number {
  const rank = (p: string) => {
    const i = (PATH_ORDER as readonly string[]).indexOf(p);
    return i < 0 ? PATH_ORDER.length : i;
  };
  return rank(a) - rank(b) || byText(a, b);
}

/** The read bandwidth measured at the largest thread count not above `threads`. */
export function bandwidthAtThreads(bandwidth: readonly BandwidthView[], threads: number | null): number | null {
  if (threads === null) return null;
  const points = bandwidth.filter((p) => p.threads <= threads).sort((a, b) => a.threads - b.threads);
  return points.length ? points[points.length - 1]!.readGBs : null;
}

function bandwidthOf(fingerprint: unknown): BandwidthView[] {
  const points = record(fingerprint).bandwidth;
  if (!Array.isArray(points)) return [];
  const out: BandwidthView[] = [];
  for (const p of points) {
    const r = record(p);
    const threads = num(r.threads);
    const readGBs = num(r.readGBs);
    if (threads !== null && readGBs !== null) out.push({ threads, readGBs, triadGBs: num(r.triadGBs) });
  }
  return out.sort((a, b) => a.threads - b.threads);
}

function cpuCard(instanceType: string, fingerprint: unknown, isasUsed: Set<string>, runIds: Set<string>): CpuCard {
  const fp = record(fingerprint);
  const cpu = record(fp.cpu);
  const topology = record(fp.topology);
  const flags = record(cpu.isaFlags);
  const bandwidth = bandwidthOf(fingerprint);
  const hypervisor = cpu.hypervisor;
  return {
    instanceType,
    vendor: str(cpu.vendor),
    modelName: str(cpu.modelName),
    arch: str(cpu.arch),
    microarchitecture: str(cpu.microarchitecture),
    isaFlags: Object.entries(flags).filter(([, on]) => on === true).map(([name]) => name),
    isasUsed: [...isasUsed].sort(byText),
    logicalCpus: num(topology.logicalCpus),
    physicalCores: num(topology.physicalCores),
    threadsPerCore: num(topology.threadsPerCore),
    memoryBytes: num(fp.memoryBytes),
    hypervisor: typeof hypervisor === 'boolean' ? hypervisor : null,
    blas: str(fp.blas),
    bandwidth,
    peakReadGBs: bandwidth.length ? Math.max(...bandwidth.map((p) => p.readGBs)) : null,
    runIds: [...runIds].sort(byText),
  };
}

interface KernelFacts {
  n: number | null;
  k: number | null;
  batch: number | null;
  threads: number | null;
  cache: string;
}

function kernelFacts(stored: ReportResultInput): KernelFacts {
  const result = record(stored.result);
  const spec = record(stored.spec);
  return {
    n: num(result.n, spec.n),
    k: num(result.k, spec.k),
    batch: num(result.batch, spec.batch),
    threads: num(result.threads, spec.threads),
    cache: str(result.cache, spec.cache) ?? 'unknown',
  };
}

function cellKey(f: KernelFacts): string {
  return `${f.n ?? '?'}x${f.k ?? '?'} b${f.batch ?? '?'} ${f.threads ?? '?'}t ${f.cache}`;
}

function modelKey(instanceType: string, row: Pick<ModelRow, 'preset' | 'batch' | 'threads' | 'kv' | 'prompt' | 'tokens'>): string {
  return [instanceType, row.preset, row.batch, row.threads, row.kv, row.prompt, row.tokens].join('|');
}

// Same instance type, cell, path and ISA: what a baseline run's row means by "the same cell".
function kernelIdentity(instanceType: string, key: string, path: string, isa: string): string {
  return [instanceType, key, path, isa].join('|');
}

const REGRESSION_THRESHOLD = 0.02;

function changeOf(current: number[], previous: number[], currentMedian: number | null, previousMedian: number | null, higherIsBetter: boolean): BaselineChange | null {
  if (currentMedian === null || previousMedian === null || previousMedian <= 0) return null;
  const ratio = currentMedian / previousMedian;
  const comparison = mannWhitneyU(current, previous);
  const significant = comparison.pValue !== null && comparison.pValue < 0.05;
  const worse = higherIsBetter ? ratio < 1 - REGRESSION_THRESHOLD : ratio > 1 + REGRESSION_THRESHOLD;
  const better = higherIsBetter ? ratio > 1 + REGRESSION_THRESHOLD : ratio < 1 - REGRESSION_THRESHOLD;
  return { baselineMedian: previousMedian, ratio, comparison, regression: significant && worse, improvement: significant && better };
}

function latestFirst(runs: readonly ReportRunInput[]): Map<string, number> {
  // Later runs rank higher: where one instance type ran several times, its newest fingerprint wins.
  const order = [...runs].sort((a, b) => byText(a.startedAt, b.startedAt) || byText(a.id, b.id));
  return new Map(order.map((run, index) => [run.id, index]));
}

function baselineIndex(baseline: ReportInput['baseline']) {
  const kernels = new Map<string, ReportResultInput>();
  const models = new Map<string, ReportResultInput>();
  for (const stored of baseline?.results ?? []) {
    if (stored.kind === 'kernel') {
      kernels.set(kernelIdentity(stored.instanceType, cellKey(kernelFacts(stored)), stored.path, stored.isa), stored);
    } else if (stored.kind === 'model') {
      models.set(`${modelKey(stored.instanceType, modelFacts(stored))}|${stored.path}|${stored.isa}`, stored);
    }
  }
  return { kernels, models };
}

function modelFacts(stored: ReportResultInput) {
  const result = record(stored.result);
  const spec = record(stored.spec);
  const config = str(spec.config);
  return {
    preset: str(result.preset, spec.preset, config?.split(/[\\/]/).pop()),
    batch: num(result.batch, spec.batch),
    threads: num(result.threads, spec.threads),
    kv: str(result.kv, spec.kv),
    prompt: num(result.prompt, spec.prompt),
    tokens: num(result.tokens, spec.tokens),
  };
}

function kernelRow(stored: ReportResultInput, facts: KernelFacts, bandwidth: readonly BandwidthView[]): KernelRow {
  const result = record(stored.result);
  const weightGBs = num(result.weightGBs);
  const dram = facts.cache === 'cold' ? bandwidthAtThreads(bandwidth, facts.threads) : null;
  return {
    jobId: stored.jobId,
    runId: stored.runId,
    path: stored.path,
    isa: stored.isa,
    isaForced: str(record(stored.spec).isa) !== null,
    medianNs: num(stored.medianNs, result.medianNs),
    ci95Ns: pair(result.ci95Ns),
    cv: num(result.cv),
    p10Ns: num(result.p10Ns),
    p90Ns: num(result.p90Ns),
    sampleCount: numbers(result.samples).length,
    outlierCount: Array.isArray(result.outliers) ? result.outliers.length : 0,
    gops: num(result.gops),
    weightGBs,
    // Against DRAM bandwidth: meaningful for cold cells only (hot ones read from cache).
    rooflineFraction: dram !== null && dram > 0 && weightGBs !== null ? weightGBs / dram : null,
    speedupVsBaseline: null,
    speedupVsCachedF32: null,
    noisy: stored.noisy || result.noisy === true,
    change: null,
  };
}

// The row a speedup is measured against: the same run and cell, the same ISA where it ran on
// several (a forced-ISA comparison), else the first.
function referenceRow(rows: readonly KernelRow[], row: KernelRow, path: string): KernelRow | undefined {
  const candidates = rows.filter((r) => r.path === path && r.runId === row.runId && r.medianNs !== null);
  return candidates.find((r) => r.isa === row.isa) ?? candidates[0];
}

function compareCells(a: KernelCell, b: KernelCell): number {
  const n = (x: number | null, y: number | null) => (x ?? Infinity) - (y ?? Infinity) || 0;
  const cacheRank = (c: string) => (c === 'cold' ? 0 : c === 'hot' ? 1 : 2);
  return (
    cacheRank(a.cache) - cacheRank(b.cache) ||
    byText(a.cache, b.cache) ||
    n(a.n, b.n) ||
    n(a.k, b.k) ||
    n(a.batch, b.batch) ||
    n(a.threads, b.threads)
  );
}

export function buildReportData(input: ReportInput): ReportData {
  const runRank = latestFirst(input.runs);
  const failures = input.failures ?? [];
  const base = baselineIndex(input.baseline);
  const runsById = new Map(input.runs.map((run) => [run.id, run]));

  const byInstance = new Map<string, ReportResultInput[]>();
  for (const stored of input.results) {
    const list = byInstance.get(stored.instanceType) ?? [];
    list.push(stored);
    byInstance.set(stored.instanceType, list);
  }
  const failureRows: FailureRow[] = failures.map((f, index) => ({
    jobId: f.jobId,
    runId: f.runId,
    instanceType: f.instanceType ?? runsById.get(f.runId)?.instanceType ?? 'unknown',
    reason: f.reason,
    signal: f.signal ?? null,
    at: f.at,
    attempt: f.attempt ?? index + 1,
  }));
  // An instance type whose every job failed still gets its card.
  // A fleet run has no instance type of its own: its results and failures each name theirs.
  for (const run of input.runs) {
    if (run.instanceType !== FLEET_RUN_INSTANCE_TYPE && !byInstance.has(run.instanceType)) byInstance.set(run.instanceType, []);
  }
  for (const failure of failureRows) {
    if (failure.instanceType !== 'unknown' && !byInstance.has(failure.instanceType)) byInstance.set(failure.instanceType, []);
  }

  const paths = new Set<string>();
  const instances: InstanceReport[] = [];
  for (const [instanceType, results] of byInstance) {
    const runsHere = input.runs.filter((run) => run.instanceType === instanceType);
    // The newest fingerprint: from the newest result, else the newest run.
    const rank = (runId: string) => runRank.get(runId) ?? -1;
    const newestResult = [...results].sort((a, b) => rank(b.runId) - rank(a.runId))[0];
    const newestRun = [...runsHere].sort((a, b) => rank(b.id) - rank(a.id))[0];
    const fingerprint = newestResult?.fingerprint ?? newestRun?.fingerprint;
    const isasUsed = new Set(results.map((r) => r.isa));
    const runIds = new Set([...runsHere.map((r) => r.id), ...results.map((r) => r.runId)]);
    const cpu = cpuCard(instanceType, fingerprint, isasUsed, runIds);

    const cells = new Map<string, KernelCell>();
    const models: ModelRow[] = [];
    for (const stored of results) {
      paths.add(stored.path);
      if (stored.kind === 'kernel') {
        // Each result is read with its own fingerprint's bandwidth: a report over several runs
        // may mix hosts of one instance type.
        const facts = kernelFacts(stored);
        const key = cellKey(facts);
        const cell = cells.get(key) ?? { key, ...facts, rows: [] };
        const own = bandwidthOf(stored.fingerprint);
        const row = kernelRow(stored, facts, own.length ? own : cpu.bandwidth);
        const previous = base.kernels.get(kernelIdentity(instanceType, key, stored.path, stored.isa));
        if (previous) {
          const prev = record(previous.result);
          row.change = changeOf(numbers(record(stored.result).samples), numbers(prev.samples), row.medianNs, num(previous.medianNs, prev.medianNs), false);
        }
        cell.rows.push(row);
        cells.set(key, cell);
      } else if (stored.kind === 'model') {
        const result = record(stored.result);
        const spec = record(stored.spec);
        const facts = modelFacts(stored);
        const pathQuant = llamaQuantOfPath(stored.path);
        const engine = str(result.engine, spec.engine) ?? (pathQuant !== null ? LLAMA_ENGINE : 'bitbench');
        const row: ModelRow = {
          jobId: stored.jobId,
          runId: stored.runId,
          engine,
          quant: engine === LLAMA_ENGINE ? str(result.quant, spec.quant, pathQuant) : null,
          llamaCpuVariant: engine === LLAMA_ENGINE ? str(record(result.llama).cpuVariant) : null,
          path: stored.path,
          isa: stored.isa,
          ...facts,
          decodeTokS: num(stored.tokensPerS, result.decodeTokS),
          prefillTokS: num(result.prefillTokS),
          p50Ms: num(result.p50Ms),
          rooflineTokS: num(result.rooflineTokS),
          rooflineFraction: num(result.rooflineFraction),
          bandwidthGBs: num(result.bandwidthGBs),
          peakRssBytes: num(result.peakRssBytes),
          speedupVsBaseline: null,
          noisy: stored.noisy,
          change: null,
        };
        const previous = base.models.get(`${modelKey(instanceType, facts)}|${stored.path}|${stored.isa}`);
        if (previous) {
          const prev = record(previous.result);
          // Per-step times: lower is better, and their median tracks decode speed.
          const change = changeOf(numbers(result.stepNs), numbers(prev.stepNs), row.decodeTokS, num(previous.tokensPerS, prev.decodeTokS), true);
          row.change = change;
        }
        models.push(row);
      }
    }
    for (const cell of cells.values()) {
      for (const row of cell.rows) {
        if (row.medianNs === null || row.medianNs <= 0) continue;
        const baselineRow = referenceRow(cell.rows, row, 'baseline');
        const cachedRow = referenceRow(cell.rows, row, 'cached-f32');
        row.speedupVsBaseline = baselineRow ? baselineRow.medianNs! / row.medianNs : null;
        row.speedupVsCachedF32 = cachedRow ? cachedRow.medianNs! / row.medianNs : null;
      }
      cell.rows.sort((a, b) => comparePaths(a.path, b.path) || byText(a.isa, b.isa) || rank(a.runId) - rank(b.runId));
    }
    for (const row of models) {
      const reference = models.find(
        (m) => m.path === 'baseline' && m.runId === row.runId && modelKey('', m) === modelKey('', row) && m.decodeTokS !== null,
      );
      row.speedupVsBaseline = reference && row.decodeTokS !== null && reference.decodeTokS! > 0 ? row.decodeTokS / reference.decodeTokS! : null;
    }
    models.sort(
      (a, b) =>
        byText(a.preset ?? '', b.preset ?? '') ||
        (a.batch ?? 0) - (b.batch ?? 0) ||
        (a.threads ?? 0) - (b.threads ?? 0) ||
        byText(a.kv ?? '', b.kv ?? '') ||
        comparePaths(a.path, b.path) ||
        byText(a.isa, b.isa),
    );
    instances.push({
      instanceType,
      cpu,
      kernelCells: [...cells.values()].sort(compareCells),
      models,
      engines: compareEngines(models),
      failures: failureRows.filter((f) => f.instanceType === instanceType),
    });
  }
  instances.sort((a, b) => byText(a.instanceType, b.instanceType));

  const runs: RunView[] = [...input.runs]
    .sort((a, b) => byText(a.startedAt, b.startedAt) || byText(a.id, b.id))
    .map((run) => ({
      id: run.id,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt ?? null,
      status: run.status ?? null,
      matrixName: run.matrixName ?? null,
      instanceType: run.instanceType,
      toolVersion: run.toolVersion ?? null,
      resultCount: input.results.filter((r) => r.runId === run.id).length,
      failureCount: failures.filter((f) => f.runId === run.id).length,
    }));
  return {
    runs,
    baselineRunIds: (input.baseline?.runs ?? []).map((run) => run.id),
    paths: [...paths].sort(comparePaths),
    instances,
    failures: failureRows,
    resultCount: input.results.length,
  };
}
