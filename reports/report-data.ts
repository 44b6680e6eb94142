// Stored results -> what a report shows: per instance type a CPU card, the path comparison per
// kernel cell (hot and cold apart), model rows, each with what bounds it, and failed jobs.
// Pure: no store, no clock, no file system. Each concern has its own module (inputs, CPU card,
// kernel rows, model rows, baseline change, verdicts); this one puts them together per
// instance type. Their types are re-exported here, where the rest of the project finds them.
import { changeOf } from './baseline-change.js';
import { hostSpread, type HostSpread } from './host-spread.js';
import { readKernelResult, readModelResult, trialFigures } from '../runner/protocol/result-schema.js';
import { cpuCard, bandwidthOf, computeOf } from './cpu-card.js';
import { compareEngines, type EngineComparison } from './engine-comparison.js';
import { cellKey, compareCells, fillKernelSpeedups, kernelFacts, kernelIdentity, kernelRow, newCell, type KernelCell } from './kernel-rows.js';
import { compareModelRows, fillModelSpeedups, modelFacts, modelKey, modelRow, type ModelRow } from './model-rows.js';
import { comparePaths } from './path-order.js';
import { hasSeedExperimentRows, seedExperimentRows, type SeedExperimentRows } from './seed-experiment-rows.js';
import { byText, num } from './read-json.js';
import type { ReportInput, ReportResultInput, ReportRunInput } from './report-input.js';
import type { CpuCard } from './cpu-card.js';
import { FLEET_RUN_INSTANCE_TYPE } from '../runner/protocol/queue-name.js';

export type { ReportFailureInput, ReportInput, ReportResultInput, ReportRunInput } from './report-input.js';
export type { BandwidthView, ComputeCeilingView, CpuCard } from './cpu-card.js';
export { bandwidthAtThreads } from './cpu-card.js';
export type { BaselineChange } from './baseline-change.js';
export type { KernelCell, KernelRow } from './kernel-rows.js';
export type { ModelRow } from './model-rows.js';
export type { AttentionSparsityRow, KernelSparsityRow, KvFormatRow, ModelSparsityRow, SeedExperimentRows } from './seed-experiment-rows.js';
export type { Verdict, Bound } from './verdict.js';
export { PATH_ORDER, comparePaths } from './path-order.js';

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
  /** Measurements first, checks last; cold cells before hot; within each by shape, batch, threads. */
  kernelCells: KernelCell[];
  /** Measurements first, the tiny model's checks last. */
  models: ModelRow[];
  /** bitbench's best path against llama.cpp's best quant, per model, batch and threads where both ran. */
  engines: EngineComparison[];
  failures: FailureRow[];
  /** Between-host beside within-host spread, per CPU model (host-spread.ts). */
  hostSpread?: HostSpread[];
  /** KV formats at a context and activation sparsity; absent where none ran. */
  seedExperiments?: SeedExperimentRows;
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

function failureRowsOf(input: ReportInput, runsById: Map<string, ReportRunInput>): FailureRow[] {
  return (input.failures ?? []).map((f, index) => ({
    jobId: f.jobId,
    runId: f.runId,
    instanceType: f.instanceType ?? runsById.get(f.runId)?.instanceType ?? 'unknown',
    reason: f.reason,
    signal: f.signal ?? null,
    at: f.at,
    attempt: f.attempt ?? index + 1,
  }));
}

function instanceReport(
  instanceType: string,
  results: readonly ReportResultInput[],
  input: ReportInput,
  context: { runRank: Map<string, number>; base: ReturnType<typeof baselineIndex>; failures: FailureRow[] },
): InstanceReport {
  const runsHere = input.runs.filter((run) => run.instanceType === instanceType);
  // The newest fingerprint: from the newest result, else the newest run.
  const rank = (runId: string) => context.runRank.get(runId) ?? -1;
  const newestResult = [...results].sort((a, b) => rank(b.runId) - rank(a.runId))[0];
  const newestRun = [...runsHere].sort((a, b) => rank(b.id) - rank(a.id))[0];
  const fingerprint = newestResult?.fingerprint ?? newestRun?.fingerprint;
  const isasUsed = new Set(results.map((r) => r.isa));
  const runIds = new Set([...runsHere.map((r) => r.id), ...results.map((r) => r.runId)]);
  const cpu = cpuCard(instanceType, fingerprint, isasUsed, runIds);

  const cells = new Map<string, KernelCell>();
  const models: ModelRow[] = [];
  for (const stored of results) {
    if (stored.kind === 'kernel') {
      // Each result is read with its own fingerprint's ceilings: a report over several runs
      // may mix hosts of one instance type.
      const facts = kernelFacts(stored);
      const key = cellKey(facts);
      const cell = cells.get(key) ?? newCell(key, facts);
      const ownBandwidth = bandwidthOf(stored.fingerprint);
      const ownCompute = computeOf(stored.fingerprint);
      const row = kernelRow(stored, facts, ownBandwidth.length ? ownBandwidth : cpu.bandwidth, ownCompute.length ? ownCompute : cpu.compute);
      const previous = context.base.kernels.get(kernelIdentity(instanceType, key, stored.path, stored.isa));
      if (previous) {
        const prev = readKernelResult(previous.result);
        row.change = changeOf(trialFigures('kernel', stored.result), trialFigures('kernel', previous.result), row.medianNs, num(previous.medianNs, prev.medianNs), false);
      }
      cell.rows.push(row);
      cells.set(key, cell);
    } else if (stored.kind === 'model') {
      const row = modelRow(stored);
      const previous = context.base.models.get(`${modelKey(instanceType, row)}|${stored.path}|${stored.isa}`);
      if (previous) {
        const prev = readModelResult(previous.result);
        // Each trial's decode tokens/s: higher is better.
        row.change = changeOf(trialFigures('model', stored.result), trialFigures('model', previous.result), row.decodeTokS, num(previous.tokensPerS, prev.decodeTokS), true);
      }
      models.push(row);
    }
  }
  for (const cell of cells.values()) {
    fillKernelSpeedups(cell);
    cell.rows.sort((a, b) => comparePaths(a.path, b.path) || byText(a.isa, b.isa) || rank(a.runId) - rank(b.runId));
  }
  fillModelSpeedups(models);
  models.sort(compareModelRows);
  const seedExperiments = seedExperimentRows(results);
  return {
    instanceType,
    cpu,
    kernelCells: [...cells.values()].sort(compareCells),
    models,
    engines: compareEngines(models),
    failures: context.failures.filter((f) => f.instanceType === instanceType),
    hostSpread: hostSpread(results),
    ...(hasSeedExperimentRows(seedExperiments) ? { seedExperiments } : {}),
  };
}

export function buildReportData(input: ReportInput): ReportData {
  const runRank = latestFirst(input.runs);
  const base = baselineIndex(input.baseline);
  const runsById = new Map(input.runs.map((run) => [run.id, run]));
  const failureRows = failureRowsOf(input, runsById);

  const byInstance = new Map<string, ReportResultInput[]>();
  for (const stored of input.results) {
    const list = byInstance.get(stored.instanceType) ?? [];
    list.push(stored);
    byInstance.set(stored.instanceType, list);
  }
  // An instance type whose every job failed still gets its card.
  // A fleet run has no instance type of its own: its results and failures each name theirs.
  for (const run of input.runs) {
    if (run.instanceType !== FLEET_RUN_INSTANCE_TYPE && !byInstance.has(run.instanceType)) byInstance.set(run.instanceType, []);
  }
  for (const failure of failureRows) {
    if (failure.instanceType !== 'unknown' && !byInstance.has(failure.instanceType)) byInstance.set(failure.instanceType, []);
  }

  const paths = new Set(input.results.map((r) => r.path));
  const context = { runRank, base, failures: failureRows };
  const instances = [...byInstance].map(([instanceType, results]) => instanceReport(instanceType, results, input, context));
  instances.sort((a, b) => byText(a.instanceType, b.instanceType));

  const failures = input.failures ?? [];
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
