// Activation sparsity as matrix axes (kernel: the fraction zeroed; model: a mode with its level),
// next to kv and context; and matrices/seed-experiments.yaml, which uses them (loaded, not run).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expandMatrix } from '../../coordinator/matrix/expand-matrix.js';
import { loadMatrix, MatrixError, parseMatrixText } from '../../coordinator/matrix/load-matrix.js';
import { JobSpecError, parseJobSpec, type JobSpec, type JobSpecOf } from '../../runner/protocol/job-spec.js';
import { jobIdFor } from '../../runner/protocol/job-id.js';
import { describeJob, sandboxJobFor } from '../../runner/sandbox/sandbox-job.js';
import type { Fingerprint } from '../../runner/fingerprint/fingerprint.js';

const kernelsOf = (jobs: JobSpec[]) => jobs.filter((job): job is JobSpecOf<'kernel'> => job.kind === 'kernel');
const modelsOf = (jobs: JobSpec[]) => jobs.filter((job): job is JobSpecOf<'model'> => job.kind === 'model');
const expand = (text: string) => expandMatrix(parseMatrixText(text, 'inline.yaml', 'yaml'), { runId: 'r', hardwareThreads: 2 });

function problemsOf(text: string): string[] {
  try {
    parseMatrixText(text, 'inline.yaml', 'yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(MatrixError);
    return (error as MatrixError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected a MatrixError, but the matrix was accepted');
}

const KERNELS = 'kernels: { paths: [fused-i8], shapes: [[256, 512]], batch: [1], threads: [1], cache: [cold], sparsity: [0.3, 0.5] }\n';
const MODELS =
  'models: { presets: [tiny], engines: [bitbench, llama.cpp], batch: [1], prompt: 8, tokens: 4, threads: [1], kv: [bf16, int8], context: [64],\n' +
  '  sparsity: [none, { mode: top-k, level: 0.7 }, { mode: threshold, level: 2.5 }] }\n';

describe('activation sparsity, kv and context axes', () => {
  it('a kernel sparsity axis: one job per fraction, passed to the sandbox', () => {
    const kernels = kernelsOf(expand(KERNELS));
    expect(kernels.map((job) => job.sparsity)).toEqual([0.3, 0.5]);
    const fingerprint = {} as Fingerprint;
    const sandbox = sandboxJobFor(kernels[0]!, fingerprint);
    expect(sandbox.kind === 'kernel' && sandbox.spec.sparsity).toBe(0.3);
    expect(describeJob(kernels[0]!)).toContain('sparsity 0.3');
    for (const job of kernels) expect(parseJobSpec(JSON.parse(JSON.stringify(job)))).toEqual(job);
  });

  it('a model sparsity axis: mode and level together, dense jobs unchanged, none on llama.cpp', () => {
    const models = modelsOf(expand(MODELS));
    const bitbench = models.filter((job) => job.engine === undefined);
    expect(bitbench.map((job) => `${job.kv}@${job.context} ${job.sparsity ?? 'dense'} ${job.sparsityLevel ?? ''}`.trim()).sort()).toEqual([
      'bf16@64 dense', 'bf16@64 threshold 2.5', 'bf16@64 top-k 0.7',
      'int8@64 dense', 'int8@64 threshold 2.5', 'int8@64 top-k 0.7',
    ]);
    // llama.cpp zeroes nothing: only its dense cells.
    expect(models.filter((job) => job.engine === 'llama.cpp').every((job) => job.sparsity === undefined)).toBe(true);
    // A dense job has no sparsity field: its id is what it was before the axis existed.
    const dense = bitbench.find((job) => job.sparsity === undefined && job.kv === 'bf16')!;
    expect('sparsity' in dense).toBe(false);
    expect(dense.id).toBe(jobIdFor({ ...dense }));
    const topK = bitbench.find((job) => job.sparsity === 'top-k')!;
    const sandbox = sandboxJobFor(topK, {} as Fingerprint);
    expect(sandbox.kind === 'model' && [sandbox.spec.sparsity, sandbox.spec.sparsityLevel]).toEqual(['top-k', 0.7]);
    expect(describeJob(topK)).toContain('sparsity top-k 0.7');
    for (const job of models) expect(parseJobSpec(JSON.parse(JSON.stringify(job)))).toEqual(job);
  });

  it('a kernel sparsity pattern axis: scattered jobs say so, block jobs keep their ids; it needs sparsity', () => {
    const blocksOnly = kernelsOf(expand(KERNELS));
    const kernels = kernelsOf(expand(KERNELS.replace(' }\n', ', sparsityPattern: [blocks, scattered] }\n')));
    expect(kernels.map((job) => `${job.sparsity} ${job.sparsityPattern ?? 'blocks'}`)).toEqual(['0.3 blocks', '0.3 scattered', '0.5 blocks', '0.5 scattered']);
    const blocks = kernels.filter((job) => job.sparsityPattern === undefined);
    expect(blocks.map((job) => job.id)).toEqual(blocksOnly.map((job) => job.id));
    const scattered = kernels.find((job) => job.sparsityPattern === 'scattered')!;
    const sandbox = sandboxJobFor(scattered, {} as Fingerprint);
    expect(sandbox.kind === 'kernel' && [sandbox.spec.sparsity, sandbox.spec.sparsityPattern]).toEqual([0.3, 'scattered']);
    expect(describeJob(scattered)).toContain('sparsity 0.3 scattered');
    for (const job of kernels) expect(parseJobSpec(JSON.parse(JSON.stringify(job)))).toEqual(job);
    expect(kernelsOf(expand(KERNELS.replace(' }\n', ', sparsityPattern: [blocks, scattered], exclude: [{ sparsityPattern: blocks }] }\n')))
      .map((job) => `${job.sparsity} ${job.sparsityPattern}`)).toEqual(['0.3 scattered', '0.5 scattered']);
    expect(problemsOf(KERNELS.replace(', sparsity: [0.3, 0.5] }\n', ', sparsityPattern: [scattered] }\n'))).toEqual([
      'kernels.sparsityPattern: needs sparsity (the fractions zeroed)',
    ]);
    expect(problemsOf(KERNELS.replace(' }\n', ', sparsityPattern: [diagonal] }\n'))).toEqual([
      'kernels.sparsityPattern[0]: expected one of blocks, scattered',
    ]);
  });

  it('excludes by sparsity mode and by kernel fraction', () => {
    const models = modelsOf(expand(MODELS.replace(' }\n', ', exclude: [{ sparsity: threshold }, { kv: int8, sparsity: none }] }\n')));
    expect(models.filter((job) => job.engine === undefined).map((job) => `${job.kv} ${job.sparsity ?? 'dense'}`).sort()).toEqual([
      'bf16 dense', 'bf16 top-k', 'int8 top-k',
    ]);
    expect(kernelsOf(expand(KERNELS.replace(' }\n', ', exclude: [{ sparsity: 0.5 }] }\n'))).map((job) => job.sparsity)).toEqual([0.3]);
  });

  it('bad values name the field', () => {
    const kernel = (value: string) => problemsOf(KERNELS.replace('[0.3, 0.5]', value));
    expect(kernel('[0.3, 1.5]')).toEqual(['kernels.sparsity[1]: expected a ratio in (0, 1]']);
    expect(kernel('[0]')).toEqual(['kernels.sparsity[0]: expected a ratio in (0, 1]']);
    const model = (value: string) => problemsOf(MODELS.replace(/sparsity: \[.*\] \}/, `sparsity: ${value} }`));
    expect(model('[{ mode: top-k, level: 1.5 }]')).toEqual(['models.sparsity[0].level: expected a ratio in (0, 1] for top-k']);
    expect(model('[{ mode: threshold, level: 0 }]')).toEqual(['models.sparsity[0].level: expected a positive number']);
    expect(model('[{ mode: top-k }]')).toEqual(['models.sparsity[0].level: is required']);
    expect(model('[sparse]')[0]).toMatch(/^models\.sparsity\[0\]: expected none or \{ mode/);
    expect(model('[{ mode: random, level: 0.5 }]')).toEqual(['models.sparsity[0].mode: expected one of threshold, top-k, adaptive, top-k-blocks']);
    expect(problemsOf(MODELS.replace('kv: [bf16, int8]', 'kv: [fp16]'))).toEqual(['models.kv[0]: expected one of bf16, int8, fp8-e4m3, fp8-e5m2']);
    expect(problemsOf(MODELS.replace('context: [64]', 'context: [0]'))).toEqual(['models.context[0]: expected an integer from 1 to 131072']);
  });

  it('a job spec whose level does not fit its mode is refused, naming the field', () => {
    const [job] = modelsOf(expand(MODELS)).filter((j) => j.sparsity === 'top-k');
    const bad = { ...job!, sparsityLevel: 2 };
    const parse = () => parseJobSpec({ ...bad, id: jobIdFor({ ...bad }) });
    expect(parse).toThrow(JobSpecError);
    expect(parse).toThrow(/sparsityLevel: expected a ratio in \(0, 1\] for top-k/);
    const noLevel = { ...job! };
    delete (noLevel as { sparsityLevel?: number }).sparsityLevel;
    expect(() => parseJobSpec({ ...noLevel, id: jobIdFor({ ...noLevel }) })).toThrow(/sparsityLevel: is required with sparsity top-k/);
  });
});

describe('matrices/seed-experiments.yaml', () => {
  it('loads and expands to the notebook tables: four KV formats at 8K, four sparsity settings, three sparse attention settings at 8K, two GEMV fractions', () => {
    const matrix = loadMatrix(fileURLToPath(new URL('../../matrices/seed-experiments.yaml', import.meta.url)));
    const jobs = expandMatrix(matrix, { runId: 'seed-experiments', hardwareThreads: 2 });
    expect(kernelsOf(jobs).map((job) => `${job.path} ${job.n}x${job.k} ${job.cache} ${job.sparsity} ${job.sparsityPattern ?? 'blocks'}`)).toEqual([
      'fused-i8 4096x4096 cold 0.3 blocks',
      'fused-i8 4096x4096 cold 0.3 scattered',
      'fused-i8 4096x4096 cold 0.5 blocks',
      'fused-i8 4096x4096 cold 0.5 scattered',
    ]);
    const models = modelsOf(jobs);
    const attention = (job: object) => (job as { attentionSparsity?: string }).attentionSparsity;
    expect(models.filter((job) => job.context === 8192 && attention(job) === undefined).map((job) => job.kv)).toEqual(['bf16', 'int8', 'fp8-e4m3', 'fp8-e5m2']);
    // The attention section's `none` is the KV section's bf16 job (the same id), so it runs once.
    const sparseAttention = models.filter((job) => attention(job) !== undefined);
    expect(sparseAttention.map((job) => {
      const a = job as { attentionSparsity?: string; attentionLevel?: number; attentionWindow?: number; attentionGlobal?: number };
      return `${job.kv}@${job.context} ${a.attentionSparsity} ${a.attentionSparsity === 'window' ? `${a.attentionWindow}+${a.attentionGlobal}` : a.attentionLevel}`;
    })).toEqual(['bf16@8192 window 1024+4', 'bf16@8192 top-k 0.5', 'bf16@8192 dynamic 0.9']);
    expect(sparseAttention.every((job) => job.path === 'fused-i8' && job.lmHead === 'int8' && job.prompt === 16 && job.tokens === 8)).toBe(true);
    expect(models.filter((job) => job.sparsity !== undefined).map((job) => `${job.sparsity} ${job.sparsityLevel}`)).toEqual([
      'top-k 0.7', 'top-k 0.5', 'adaptive 0.7', 'top-k-blocks 0.7',
    ]);
    expect(jobs).toHaveLength(15);
    for (const job of jobs) expect(parseJobSpec(JSON.parse(JSON.stringify(job)))).toEqual(job);
  });
});
