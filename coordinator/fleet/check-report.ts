// `fleet check` as pure functions: from the matrix and DescribeInstanceTypes' answer to a report
// of what each instance type is and which model jobs will not fit in its memory.
import type { InstanceTypeInfo } from '@aws-sdk/client-ec2';
import { attentionSparsityFields } from '../matrix/expand-matrix.js';
import { isExcluded, modelCombinations } from '../matrix/matrix-combinations.js';
import { sectionList, type Matrix } from '../matrix/matrix-schema.js';
import type { KvDtype, LlamaQuant, LmHeadDtype, PathName, PresetName } from '../../runner/protocol/names.js';
import type { ModelJobSpec } from '../../runner/model-job.js';
import { maxOf } from '../../reports/number-extremes.js';

/** Memory kept back for the OS, the container runtime and the runner itself. */
export const MEMORY_MARGIN = 0.1;

const GIB = 1024 ** 3;

export type Architecture = 'x86_64' | 'arm64';

export interface InstanceTypeSummary {
  instanceType: string;
  architecture: Architecture | string;
  vCpus: number;
  memoryBytes: number;
}

interface ModelMemoryJobShape {
  preset: PresetName;
  batch: number;
  prompt: number;
  tokens: number;
  threads: number;
  kv: KvDtype;
  lmHead: LmHeadDtype;
}

/**
 * bitbench's settings that change what a run allocates, named as runner/model-job.ts's
 * ModelJobSpec names them (modelSpecFor reads them from there): a KV cache filled to `context`,
 * activation sparsity (the fused paths prepare a column-block copy of their weights) and
 * attention sparsity (a dense reference pass). Absent: right after the prompt, dense.
 */
type BitbenchMemorySettings = Pick<
  ModelJobSpec,
  'context' | 'sparsity' | 'sparsityLevel' | 'attentionSparsity' | 'attentionLevel' | 'attentionWindow' | 'attentionGlobal'
>;

/** One model job as the memory estimate needs it; threads already resolved for the instance. */
export type ModelMemoryJob = ModelMemoryJobShape &
  (({ engine: 'bitbench'; path: PathName } & BitbenchMemorySettings) | { engine: 'llama.cpp'; quant: LlamaQuant });

/** What the job's results show as their path: bitbench's path, or `llama.cpp:<quant>`. */
export function memoryJobPath(job: ModelMemoryJob): string {
  return job.engine === 'llama.cpp' ? `llama.cpp:${job.quant}` : job.path;
}

export type ModelBytesEstimator = (job: ModelMemoryJob) => number;

export interface MemoryWarning {
  instanceType: string;
  preset: PresetName;
  /** bitbench's path, or `llama.cpp:<quant>`. */
  path: string;
  /** Jobs of this preset and path that will not fit, and how many there are in all. */
  jobsOver: number;
  jobs: number;
  largestBytes: number;
  largestBatch: number;
  /** The largest job's KV position, where it decodes past the prompt (a long-context job). */
  largestContext?: number;
  usableBytes: number;
}

export interface CheckReport {
  region: string | undefined;
  found: InstanceTypeSummary[];
  unknown: string[];
  warnings: MemoryWarning[];
}

/**
 * `{ vcpus: { type: count } }`, the matrix's own field: what `threads: all` becomes for each
 * type when `bitbench enqueue` expands the matrix away from the machines.
 */
export function vcpusField(report: CheckReport): { vcpus: Record<string, number> } {
  return { vcpus: Object.fromEntries(report.found.map((t) => [t.instanceType, t.vCpus])) };
}

export function summarizeInstanceType(info: InstanceTypeInfo): InstanceTypeSummary {
  const architectures = info.ProcessorInfo?.SupportedArchitectures ?? [];
  const architecture: string = architectures.includes('arm64')
    ? 'arm64'
    : architectures.includes('x86_64')
      ? 'x86_64'
      : (architectures[0] ?? 'unknown');
  return {
    instanceType: info.InstanceType ?? 'unknown',
    architecture,
    vCpus: info.VCpuInfo?.DefaultVCpus ?? 0,
    memoryBytes: (info.MemoryInfo?.SizeInMiB ?? 0) * 1024 ** 2,
  };
}

export function usableMemoryBytes(memoryBytes: number): number {
  return memoryBytes * (1 - MEMORY_MARGIN);
}

/** Every model job of the matrix, as it would run on a machine with `vCpus` hardware threads. */
export function modelMemoryJobs(matrix: Matrix, vCpus: number): ModelMemoryJob[] {
  const jobs = new Map<string, ModelMemoryJob>();
  for (const section of sectionList(matrix.models)) {
    for (const combination of modelCombinations(section)) {
      if (isExcluded(combination, section.exclude)) continue;
      const { preset, engine, path, quant, batch, prompt, tokens, threads, kv, context, lmHead, sparsity, attentionSparsity } = combination;
      // Expansion makes no llama.cpp job that zeroes activations or drops attention positions
      // (expand-matrix.ts); nor does this count.
      if (engine === 'llama.cpp' && (sparsity !== 'none' || attentionSparsity !== 'none')) continue;
      const shape = { preset, batch, prompt, tokens, threads: threads === 'all' ? Math.max(1, vCpus) : threads, kv, lmHead };
      // As expansion writes them: a context and sparsity (activation, attention) for bitbench
      // only, and only when set, so a dense job right after the prompt keys (and counts) as it
      // did before those axes.
      const settings: BitbenchMemorySettings = {
        ...(context !== undefined ? { context } : {}),
        ...(sparsity !== 'none' ? { sparsity: sparsity.mode, sparsityLevel: sparsity.level } : {}),
        ...attentionSparsityFields(attentionSparsity),
      };
      const job: ModelMemoryJob = engine === 'llama.cpp' ? { ...shape, engine, quant } : { ...shape, engine, path, ...settings };
      // Each engine reads one of the paths and quants axes: the product repeats a job across
      // the other, and expansion keeps one copy; so does this count.
      jobs.set(JSON.stringify(job), job);
    }
  }
  return [...jobs.values()];
}

/** Per instance type and (preset, path): the jobs whose estimate exceeds the usable memory. */
export function memoryWarnings(matrix: Matrix, found: readonly InstanceTypeSummary[], estimate: ModelBytesEstimator): MemoryWarning[] {
  const cache = new Map<string, number>();
  const estimateOnce = (job: ModelMemoryJob) => {
    const key = JSON.stringify(job);
    let bytes = cache.get(key);
    if (bytes === undefined) cache.set(key, (bytes = estimate(job)));
    return bytes;
  };
  const warnings: MemoryWarning[] = [];
  for (const type of found) {
    const usableBytes = usableMemoryBytes(type.memoryBytes);
    const groups = new Map<string, MemoryWarning>();
    for (const job of modelMemoryJobs(matrix, type.vCpus)) {
      const path = memoryJobPath(job);
      const key = `${job.preset}\u0000${path}`;
      let group = groups.get(key);
      if (!group) {
        group = { instanceType: type.instanceType, preset: job.preset, path, jobsOver: 0, jobs: 0, largestBytes: 0, largestBatch: 0, usableBytes };
        groups.set(key, group);
      }
      group.jobs++;
      const bytes = estimateOnce(job);
      if (bytes > usableBytes) group.jobsOver++;
      if (bytes > group.largestBytes) {
        group.largestBytes = bytes;
        group.largestBatch = job.batch;
        const context = job.engine === 'bitbench' ? job.context : undefined;
        if (context !== undefined && context > job.prompt) group.largestContext = context;
        else delete group.largestContext;
      }
    }
    warnings.push(...[...groups.values()].filter((group) => group.jobsOver > 0));
  }
  return warnings;
}

export function buildCheckReport(
  matrix: Matrix,
  types: readonly string[],
  infos: readonly InstanceTypeInfo[],
  estimate: ModelBytesEstimator,
  region?: string,
): CheckReport {
  const byType = new Map(infos.map((info) => [info.InstanceType as string, info]));
  const found = types.filter((type) => byType.has(type)).map((type) => summarizeInstanceType(byType.get(type)!));
  const unknown = types.filter((type) => !byType.has(type));
  return { region, found, unknown, warnings: memoryWarnings(matrix, found, estimate) };
}

const gib = (bytes: number, digits = 1) => (bytes / GIB).toFixed(digits);

export function formatCheckReport(report: CheckReport): string {
  const rows = [
    ['instance type', 'in region', 'arch', 'vCPUs', 'memory GiB'],
    ...report.found.map((t) => [t.instanceType, 'yes', t.architecture, String(t.vCpus), gib(t.memoryBytes)]),
    ...report.unknown.map((type) => [type, 'NO', '-', '-', '-']),
  ];
  const widths = rows[0]!.map((_, column) => maxOf(rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((width) => '-'.repeat(width)).join('  '));
  if (report.region) lines.unshift(`Region ${report.region}`);
  for (const w of report.warnings) {
    lines.push(
      `warning: ${w.instanceType}: ${w.preset} on ${w.path}: ${w.jobsOver} of ${w.jobs} job(s) will not fit in ` +
        `${gib(w.usableBytes, 2)} GiB usable (memory less ${MEMORY_MARGIN * 100}%); the largest needs about ${gib(w.largestBytes, 2)} GiB (batch ${w.largestBatch}${w.largestContext === undefined ? '' : `, context ${w.largestContext}`})`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The error `fleet check` ends with when any type is unknown; undefined when all exist. */
export function unknownTypesMessage(report: CheckReport): string | undefined {
  if (report.unknown.length === 0) return undefined;
  const where = report.region ? `in ${report.region}` : 'in this region';
  return `Unknown instance type(s) ${where}: ${report.unknown.join(', ')} (misspelt, or not offered ${where})`;
}
