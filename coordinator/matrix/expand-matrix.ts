// A validated matrix becomes the jobs of one run: every section's cartesian product less its
// excludes, once per instance type, each job normalized ('all' threads resolved, 'auto' ISA
// left out) and given an id that hashes the normalized spec with the run id.
import { jobIdFor } from '../../runner/protocol/job-id.js';
import {
  resolveRepetitions,
  type JobSpec,
  type KernelJob,
  type ModelJob,
} from '../../runner/protocol/job-spec.js';
import { runIdName } from '../../runner/protocol/value-schemas.js';
import { isExcluded, kernelCombinations, modelCombinations } from './matrix-combinations.js';
import { sectionList, type IsaChoice, type Matrix, type ModelAttentionSparsityChoice, type ThreadsValue } from './matrix-schema.js';

export { chooseRunSeed, mulberry32, runOrder } from './run-order.js';

export interface ExpandOptions {
  runId: string;
  /**
   * What threads: 'all' becomes. Locally, this machine's hardware threads. For a fleet, a
   * function of the instance type (its vCPUs), because 'all' means each machine's own count.
   */
  hardwareThreads: number | ((instanceType: string) => number);
}

function isaField(isa: IsaChoice): { isa?: Exclude<IsaChoice, 'auto'> } {
  return isa === 'auto' ? {} : { isa };
}

/**
 * An attention sparsity setting as the model job reads it (runner/model-job.ts): a level, or a
 * window with its global tokens. `none` writes nothing, so those jobs keep the ids they had
 * before the axis.
 */
export function attentionSparsityFields(setting: ModelAttentionSparsityChoice) {
  if (setting === 'none') return {};
  if (setting.mode === 'window') return { attentionSparsity: setting.mode, attentionWindow: setting.window, attentionGlobal: setting.global };
  return { attentionSparsity: setting.mode, attentionLevel: setting.level };
}

/**
 * Every job of the matrix, instance types outermost, then sections and axes in file order.
 * Jobs that normalize to the same spec (threads [8, all] on an 8-thread machine) appear once.
 * Thread counts above the machine's are kept: the runner decides what to do with them.
 */
export function expandMatrix(matrix: Matrix, options: ExpandOptions): JobSpec[] {
  const runId = runIdName.safeParse(options.runId);
  if (!runId.success) throw new RangeError(`Expected a run id (letters, digits, '.', '_', ':', '-') but received ${JSON.stringify(options.runId)}`);

  const jobs: JobSpec[] = [];
  const seen = new Set<string>();
  const add = (job: KernelJob | ModelJob, instanceType: string) => {
    const identity = { runId: options.runId, instanceType };
    const id = jobIdFor({ ...job, ...identity });
    if (seen.has(id)) return;
    seen.add(id);
    jobs.push({ id, ...identity, ...job } as JobSpec);
  };

  for (const instanceType of matrix.instanceTypes) {
    // Asked only when a job says 'all': a fleet matrix with fixed thread counts needs no vCPU count.
    let hardwareThreads: number | undefined;
    const resolveAll = (): number => {
      if (hardwareThreads !== undefined) return hardwareThreads;
      const value = typeof options.hardwareThreads === 'function' ? options.hardwareThreads(instanceType) : options.hardwareThreads;
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(`Expected a positive integer of hardware threads for ${instanceType} but received ${value}`);
      }
      hardwareThreads = value;
      return value;
    };
    const threadsFor = (threads: ThreadsValue) => (threads === 'all' ? resolveAll() : threads);

    for (const section of sectionList(matrix.kernels)) {
      const repetitions = resolveRepetitions(matrix.repetitions, section.repetitions);
      for (const c of kernelCombinations(section)) {
        if (isExcluded(c, section.exclude)) continue;
        add({
          kind: 'kernel',
          path: c.path,
          n: c.shape[0],
          k: c.shape[1],
          batch: c.batch,
          threads: threadsFor(c.threads),
          ...isaField(c.isa),
          cache: c.cache,
          repetitions: { ...repetitions },
          ...(c.sparsity !== undefined ? { sparsity: c.sparsity } : {}),
          // Blocks is the default: written only when scattered, so block jobs keep their ids.
          ...(c.sparsity !== undefined && c.sparsityPattern === 'scattered' ? { sparsityPattern: c.sparsityPattern } : {}),
        }, instanceType);
      }
    }

    // Model rows take their trial count from the matrix's repetitions (the rest is kernel sampling).
    const modelTrials = resolveRepetitions(matrix.repetitions).trials;
    for (const section of sectionList(matrix.models)) {
      for (const c of modelCombinations(section)) {
        if (isExcluded(c, section.exclude)) continue;
        // llama.cpp has no fp8 KV cache and no context fill: those cells are bitbench's alone.
        if (c.engine === 'llama.cpp' && (c.kv === 'fp8-e4m3' || c.kv === 'fp8-e5m2')) continue;
        // Nor does it zero activations or drop cached positions from attention.
        if (c.engine === 'llama.cpp' && (c.sparsity !== 'none' || c.attentionSparsity !== 'none')) continue;
        // Each engine reads one of the two axes: the product repeats a job across the other,
        // and add() keeps one copy of each id. A bitbench job has no engine field, so its id is
        // what it was before llama.cpp was an engine.
        add({
          kind: 'model',
          preset: c.preset,
          ...(c.engine === 'llama.cpp' ? { engine: c.engine, quant: c.quant } : { path: c.path }),
          batch: c.batch,
          prompt: c.prompt,
          tokens: c.tokens,
          threads: threadsFor(c.threads),
          ...isaField(c.isa),
          kv: c.kv,
          ...(c.context !== undefined && c.engine !== 'llama.cpp' ? { context: c.context } : {}),
          lmHead: c.lmHead,
          // Dense jobs carry no sparsity field, so their ids are what they were before the axis.
          ...(c.sparsity !== 'none' ? { sparsity: c.sparsity.mode, sparsityLevel: c.sparsity.level } : {}),
          ...attentionSparsityFields(c.attentionSparsity),
          ...(modelTrials === undefined ? {} : { trials: modelTrials }),
        }, instanceType);
      }
    }
  }
  return jobs;
}
