import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expandMatrix } from '../../coordinator/matrix/expand-matrix.js';
import { loadMatrix } from '../../coordinator/matrix/load-matrix.js';
import { canonicalJson, jobIdFor } from '../../runner/protocol/job-id.js';
import { JobSpecError, parseJobSpec, REPETITION_DEFAULTS, type JobSpec } from '../../runner/protocol/job-spec.js';
import { queueNameFor } from '../../runner/protocol/queue-name.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/matrices/${name}`, import.meta.url));
const jobs = expandMatrix(loadMatrix(fixture('small.yaml')), { runId: '2025-01-02T03:04:05Z', hardwareThreads: 8 });
const kernelJob = jobs.find((job) => job.kind === 'kernel')!;
const modelJob = jobs.find((job) => job.kind === 'model')!;

/** A copy of the spec through JSON (as it arrives from Redis) with changes, id kept as it was. */
function tampered(spec: JobSpec, change: (copy: Record<string, unknown>) => void): unknown {
  const copy = JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
  change(copy);
  return copy;
}

/** With changes and a recomputed id, so only the change itself is wrong. */
function rehashed(spec: JobSpec, change: (copy: Record<string, unknown>) => void): unknown {
  const copy = tampered(spec, change) as Record<string, unknown> & { runId: string; instanceType: string };
  copy.id = jobIdFor(copy);
  return copy;
}

function specProblems(value: unknown): string[] {
  try {
    parseJobSpec(value);
  } catch (error) {
    expect(error).toBeInstanceOf(JobSpecError);
    return (error as JobSpecError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected a JobSpecError, but the spec was accepted');
}

describe('parseJobSpec', () => {
  it('accepts every expanded job, through JSON, unchanged', () => {
    for (const job of jobs) expect(parseJobSpec(JSON.parse(JSON.stringify(job)))).toEqual(job);
  });

  it('rejects an unknown kind, or none', () => {
    expect(specProblems(tampered(kernelJob, (c) => (c.kind = 'gpu')))).toEqual(['kind: expected one of kernel, model']);
    expect(specProblems(tampered(kernelJob, (c) => delete c.kind))).toEqual(['kind: expected one of kernel, model']);
  });

  it('rejects extra keys, at the top and inside repetitions', () => {
    expect(specProblems(rehashed(kernelJob, (c) => (c.command = 'rm -rf /')))).toEqual([": unknown key 'command'; expected one of kind, path, n, k, batch, threads, isa, cache, repetitions, sparsity, sparsityPattern, id, runId, instanceType"]);
    expect(specProblems(rehashed(kernelJob, (c) => ((c.repetitions as Record<string, unknown>).minTimeMs = 5)))).toEqual([
      "repetitions: unknown key 'minTimeMs'; did you mean 'maxTimeMs'?",
    ]);
    // A model job has no cache mode.
    expect(specProblems(rehashed(modelJob, (c) => (c.cache = 'hot')))[0]).toMatch(/^: unknown key 'cache'/);
  });

  it('rejects wrong types and values, listing every problem', () => {
    const error = (() => {
      try {
        parseJobSpec(tampered(kernelJob, (c) => {
          c.n = '4096';
          c.k = 0;
          c.threads = 2.5;
          c.path = 'fused-i4';
          c.isa = 'sse2';
          c.cache = null;
          delete c.batch;
        }));
      } catch (e) {
        return e as JobSpecError;
      }
      throw new Error('accepted');
    })();
    expect(error.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'path: expected one of baseline, cached-f32, cached-bf16, fused, fused-i8',
      'n: expected a positive integer, got "4096"',
      'k: expected a positive integer',
      'batch: is required',
      'threads: expected a positive integer, got 2.5',
      'isa: expected one of amx-int8, avx512-vnni, avx512, avx-vnni, avx2, neon-dotprod, neon, scalar',
      'cache: expected one of hot, cold',
    ]);
    expect(error.message.split('\n')[0]).toBe(`Invalid job spec ${kernelJob.id} (7 problems):`);
    expect(error.message).toContain('\n  n: expected a positive integer, got "4096"');
    expect(error.code).toBe('ERR_BITBENCH_JOB_SPEC');
    expect(error.jobId).toBe(kernelJob.id);
  });

  it('rejects sizes beyond what the native core takes, naming the limit, before a runner acts on them', () => {
    const modelJob = jobs.find((job) => job.kind === 'model')!;
    const problems = (spec: unknown) => {
      try {
        parseJobSpec(spec);
      } catch (e) {
        return (e as JobSpecError).problems.map((p) => `${p.path}: ${p.message}`);
      }
      throw new Error('accepted');
    };
    expect(problems(tampered(kernelJob, (c) => {
      c.n = 1048577;
      c.batch = 65537;
      c.threads = 4097;
    }))).toEqual([
      'n: expected a positive integer of at most 1048576',
      'batch: expected a positive integer of at most 65536',
      'threads: expected a positive integer of at most 4096',
    ]);
    expect(problems(tampered(modelJob, (c) => {
      c.batch = 4097;
      c.tokens = 65537;
    }))).toEqual(expect.arrayContaining([
      'batch: expected a positive integer of at most 4096',
      'tokens: expected a positive integer of at most 65536',
    ]));
  });

  it('rejects a spec whose id does not hash from it (a changed value, a reused id)', () => {
    expect(specProblems(tampered(kernelJob, (c) => (c.n = 8192)))).toEqual([
      `id: does not match the spec (which hashes to ${jobIdFor({ ...kernelJob, n: 8192 })})`,
    ]);
    expect(specProblems(tampered(kernelJob, (c) => (c.runId = 'another-run')))[0]).toMatch(/^id: does not match/);
    expect(specProblems(tampered(kernelJob, (c) => (c.id = 'XYZ')))).toEqual(['id: expected a job id: 16 lowercase hex digits']);
  });

  it('rejects bad identity fields', () => {
    expect(specProblems(rehashed(kernelJob, (c) => (c.instanceType = 'c7i:2xlarge')))[0]).toMatch(/^instanceType: expected an instance type name/);
    expect(specProblems(rehashed(kernelJob, (c) => (c.runId = '')))[0]).toMatch(/^runId: expected a run id/);
  });

  it('checks what needs the whole spec: sampling bounds, a prompt the model can hold', () => {
    expect(specProblems(rehashed(kernelJob, (c) => (c.repetitions = { ...REPETITION_DEFAULTS, minSamples: 20, maxSamples: 10 })))).toEqual([
      'repetitions.minSamples: minSamples (20) must not exceed maxSamples (10)',
    ]);
    expect(specProblems(rehashed(modelJob, (c) => (c.prompt = 510)))).toEqual([
      `tokens: prompt 510 + tokens ${modelJob.kind === 'model' ? modelJob.tokens : 0} exceeds tiny's 512 positions`,
    ]);
    expect(specProblems(rehashed(modelJob, (c) => (c.preset = 'llama')))).toEqual(['preset: expected one of bitnet-b1.58-2b-4t, seed-2b, seed-7b, tiny, tiny-256']);
    // How the kernel zeroes its activations means nothing without the fraction zeroed.
    expect(specProblems(rehashed(kernelJob, (c) => (c.sparsityPattern = 'scattered')))).toEqual(['sparsityPattern: needs sparsity (the fraction zeroed)']);
    expect(parseJobSpec(rehashed(kernelJob, (c) => ((c.sparsity = 0.5), (c.sparsityPattern = 'scattered'))))).toMatchObject({ sparsityPattern: 'scattered' });
    expect(specProblems(rehashed(kernelJob, (c) => ((c.sparsity = 0.5), (c.sparsityPattern = 'diagonal' as never))))).toEqual([
      'sparsityPattern: expected one of blocks, scattered',
    ]);
  });

  it('rejects what is not an object', () => {
    expect(specProblems('{"kind":"kernel"}')).toEqual([': expected a mapping, got "{\\"kind\\":\\"kernel\\"}"']);
    expect(specProblems(null)).toEqual([': expected a mapping, got null']);
    expect(specProblems([kernelJob])).toEqual([': expected a mapping, got a list']);
  });
});

describe('job ids', () => {
  it('hash the canonical JSON: key order and undefined members do not matter', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: undefined, x: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"x":0,"z":1}]},"b":1}');
    const reordered = Object.fromEntries(Object.entries(kernelJob).reverse()) as typeof kernelJob;
    expect(jobIdFor(reordered)).toBe(kernelJob.id);
    expect(jobIdFor({ ...kernelJob, isa: undefined })).toBe(kernelJob.id);
    expect(jobIdFor({ ...kernelJob, id: 'anything' })).toBe(kernelJob.id);
    expect(jobIdFor({ ...kernelJob, instanceType: 'c7i.2xlarge' })).not.toBe(kernelJob.id);
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(RangeError);
  });
});

describe('queueNameFor', () => {
  it('prefixes the instance type and keeps it readable', () => {
    expect(queueNameFor('m7i.large')).toBe('bitbench-m7i.large');
    expect(queueNameFor('local')).toBe('bitbench-local');
    expect(queueNameFor('m7i-flex.2xlarge')).toBe('bitbench-m7i-flex.2xlarge');
  });

  it("never holds ':' (BullMQ's key separator) or whitespace", () => {
    expect(queueNameFor('a:b c\td')).toBe('bitbench-a-b-c-d');
    expect(queueNameFor(' c7g.xlarge ')).toBe('bitbench-c7g.xlarge');
    expect(() => queueNameFor('  ')).toThrow(RangeError);
  });
});
