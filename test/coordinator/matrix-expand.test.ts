import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expandMatrix, mulberry32, runOrder } from '../../coordinator/matrix/expand-matrix.js';
import { loadMatrix, parseMatrixText } from '../../coordinator/matrix/load-matrix.js';
import type { Matrix } from '../../coordinator/matrix/matrix-schema.js';
import { jobIdFor } from '../../runner/protocol/job-id.js';
import { REPETITION_DEFAULTS, type JobSpec, type JobSpecOf } from '../../runner/protocol/job-spec.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/matrices/${name}`, import.meta.url));

function yamlMatrix(text: string): Matrix {
  return parseMatrixText(text, 'inline.yaml', 'yaml');
}

const kernelsOf = (jobs: JobSpec[]) => jobs.filter((job): job is JobSpecOf<'kernel'> => job.kind === 'kernel');
const modelsOf = (jobs: JobSpec[]) => jobs.filter((job): job is JobSpecOf<'model'> => job.kind === 'model');

describe('expandMatrix', () => {
  it('expands every section to its cartesian product less its excludes', () => {
    const jobs = expandMatrix(loadMatrix(fixture('small.yaml')), { runId: 'run-1', hardwareThreads: 8 });
    // kernels: 2 paths x 2 shapes x 2 batch x 2 threads x 2 cache = 32, less baseline+cold (8) = 24
    // models: 1 preset x 2 paths x 1 batch x 1 prompt x 2 tokens x 1 threads x 2 kv = 8
    expect(kernelsOf(jobs)).toHaveLength(24);
    expect(modelsOf(jobs)).toHaveLength(8);
    expect(kernelsOf(jobs).filter((job) => job.path === 'baseline' && job.cache === 'cold')).toEqual([]);
    expect(kernelsOf(jobs).filter((job) => job.path === 'baseline')).toHaveLength(8);
    expect(new Set(jobs.map((job) => job.id)).size).toBe(jobs.length);
  });

  it('gives every job a normalized spec: threads resolved, auto ISA left out, defaults filled in', () => {
    const jobs = expandMatrix(loadMatrix(fixture('small.yaml')), { runId: 'run-1', hardwareThreads: 8 });
    const first = jobs[0]!;
    expect(first).toEqual({
      id: jobIdFor({ ...first }),
      runId: 'run-1',
      instanceType: 'local',
      kind: 'kernel',
      path: 'baseline',
      n: 64,
      k: 128,
      batch: 1,
      threads: 1,
      cache: 'hot',
      repetitions: { ...REPETITION_DEFAULTS },
    });
    expect('isa' in first).toBe(false);
    expect(new Set(jobs.map((job) => job.threads))).toEqual(new Set([1, 8]));
    expect(modelsOf(jobs)[0]).toMatchObject({ preset: 'tiny', prompt: 4, tokens: 4, threads: 8, kv: 'bf16', lmHead: 'bf16' });
  });

  it('a context axis: one job per context on bitbench, none on llama.cpp; fp8 KV only on bitbench', () => {
    const jobs = modelsOf(expandMatrix(
      yamlMatrix('models: { presets: [tiny-256], engines: [bitbench, llama.cpp], batch: [1], prompt: 8, tokens: 4, threads: [1], kv: [int8, fp8-e4m3], context: [64, 512] }\n'),
      { runId: 'r', hardwareThreads: 4 },
    ));
    const bitbench = jobs.filter((job) => job.engine === undefined);
    expect(bitbench.map((job) => `${job.kv}@${job.context}`).sort()).toEqual(['fp8-e4m3@512', 'fp8-e4m3@64', 'int8@512', 'int8@64']);
    expect(jobs.filter((job) => job.engine === 'llama.cpp').map((job) => [job.kv, job.context])).toEqual([['int8', undefined]]);
  });

  it('keeps a named ISA', () => {
    const jobs = expandMatrix(
      yamlMatrix('kernels: { paths: [fused], shapes: [[8, 8]], batch: [1], threads: [1], isa: [auto, avx2, scalar], cache: [hot] }\n'),
      { runId: 'r', hardwareThreads: 4 },
    );
    expect(jobs.map((job) => job.isa)).toEqual([undefined, 'avx2', 'scalar']);
  });

  it('one copy of every job per instance type, with its own id', () => {
    const matrix = yamlMatrix(
      'instanceTypes: [c7i.2xlarge, c7g.2xlarge, m7i.4xlarge]\n' +
        'kernels: { paths: [fused, baseline], shapes: [[8, 8]], batch: [1], threads: [all], cache: [hot] }\n',
    );
    const vcpus: Record<string, number> = { 'c7i.2xlarge': 8, 'c7g.2xlarge': 8, 'm7i.4xlarge': 16 };
    const jobs = expandMatrix(matrix, { runId: 'fleet-1', hardwareThreads: (type) => vcpus[type]! });
    expect(jobs.map((job) => [job.instanceType, job.path, job.threads])).toEqual([
      ['c7i.2xlarge', 'fused', 8],
      ['c7i.2xlarge', 'baseline', 8],
      ['c7g.2xlarge', 'fused', 8],
      ['c7g.2xlarge', 'baseline', 8],
      ['m7i.4xlarge', 'fused', 16],
      ['m7i.4xlarge', 'baseline', 16],
    ]);
    expect(new Set(jobs.map((job) => job.id)).size).toBe(6);
  });

  it("runs a job once when 'all' resolves to a count the axis also lists", () => {
    const matrix = yamlMatrix('kernels: { paths: [fused], shapes: [[8, 8]], batch: [1], threads: [1, 2, 4, all], cache: [hot] }\n');
    expect(expandMatrix(matrix, { runId: 'r', hardwareThreads: 2 }).map((job) => job.threads)).toEqual([1, 2, 4]);
    expect(expandMatrix(matrix, { runId: 'r', hardwareThreads: 16 }).map((job) => job.threads)).toEqual([1, 2, 4, 16]);
  });

  it('runs a job once when two sections ask for it', () => {
    const matrix = yamlMatrix(
      'kernels:\n' +
        '  - { paths: [fused], shapes: [[8, 8]], batch: [1, 64], threads: [all], cache: [hot, cold] }\n' +
        '  - { paths: [fused], shapes: [[8, 8]], batch: [1, 8, 64], threads: [all], cache: [hot] }\n',
    );
    const jobs = expandMatrix(matrix, { runId: 'r', hardwareThreads: 4 });
    expect(jobs.map((job) => `${job.batch}/${(job as JobSpecOf<'kernel'>).cache}`)).toEqual(['1/hot', '1/cold', '64/hot', '64/cold', '8/hot']);
  });

  it('excludes by shape, by lists of values, and by threads as written', () => {
    const matrix = yamlMatrix(
      'kernels:\n' +
        '  paths: [baseline, cached-f32, cached-bf16, fused]\n' +
        '  shapes: [[4096, 4096], [1024, 4096]]\n' +
        '  batch: [1]\n' +
        '  threads: [4, all]\n' +
        '  cache: [hot]\n' +
        '  exclude:\n' +
        '    - { shape: [4096, 4096], path: [baseline, cached-f32] }\n' +
        '    - { threads: all, shape: [[1024, 4096]] }\n',
    );
    // 'all' is 4 here too, but the exclude names the axis value 'all', not the count.
    const jobs = kernelsOf(expandMatrix(matrix, { runId: 'r', hardwareThreads: 4 }));
    expect(jobs.map((job) => `${job.path} ${job.n}x${job.k}`)).toEqual([
      'baseline 1024x4096',
      'cached-f32 1024x4096',
      'cached-bf16 4096x4096',
      'cached-bf16 1024x4096',
      'fused 4096x4096',
      'fused 1024x4096',
    ]);
    expect(jobs.every((job) => job.threads === 4)).toBe(true);
  });

  it('layers repetitions: defaults, then the matrix, then the section', () => {
    const matrix = yamlMatrix(
      'repetitions: { warmup: 1, maxTimeMs: 500 }\n' +
        'kernels:\n' +
        '  - { paths: [fused], shapes: [[8, 8]], batch: [1], threads: [1], cache: [hot] }\n' +
        '  - { paths: [fused], shapes: [[8, 8]], batch: [2], threads: [1], cache: [hot], repetitions: { maxTimeMs: 50, targetCv: 0.1 } }\n',
    );
    const [a, b] = kernelsOf(expandMatrix(matrix, { runId: 'r', hardwareThreads: 1 }));
    expect(a!.repetitions).toEqual({ ...REPETITION_DEFAULTS, warmup: 1, maxTimeMs: 500 });
    expect(b!.repetitions).toEqual({ ...REPETITION_DEFAULTS, warmup: 1, maxTimeMs: 50, targetCv: 0.1 });
  });

  it('gives the same ids for the same matrix and run id, and new ones for another run id', () => {
    const one = expandMatrix(loadMatrix(fixture('small.yaml')), { runId: 'run-1', hardwareThreads: 8 });
    const again = expandMatrix(loadMatrix(fixture('small.json')), { runId: 'run-1', hardwareThreads: 8 });
    const other = expandMatrix(loadMatrix(fixture('small.yaml')), { runId: 'run-2', hardwareThreads: 8 });
    expect(again).toEqual(one);
    expect(other.map(({ id: _id, runId: _runId, ...spec }) => spec)).toEqual(one.map(({ id: _id, runId: _runId, ...spec }) => spec));
    const firstIds = new Set(one.map((job) => job.id));
    expect(other.some((job) => firstIds.has(job.id))).toBe(false);
    for (const job of one) {
      expect(job.id).toMatch(/^[0-9a-f]{16}$/);
      expect(job.id).toBe(jobIdFor(job));
    }
  });

  it('ids do not depend on the order of keys or on where the axis value came from', () => {
    const [viaAll] = expandMatrix(yamlMatrix('kernels: { paths: [fused], shapes: [[8, 8]], batch: [1], threads: [all], cache: [hot] }\n'), {
      runId: 'r',
      hardwareThreads: 4,
    });
    const [viaCount] = expandMatrix(yamlMatrix('kernels: { cache: [hot], threads: [4], batch: [1], shapes: [[8, 8]], paths: [fused] }\n'), {
      runId: 'r',
      hardwareThreads: 64,
    });
    expect(viaAll!.id).toBe(viaCount!.id);
  });

  it('refuses a bad run id or thread count', () => {
    const matrix = loadMatrix(fixture('small.yaml'));
    expect(() => expandMatrix(matrix, { runId: '', hardwareThreads: 4 })).toThrow(RangeError);
    expect(() => expandMatrix(matrix, { runId: 'a b', hardwareThreads: 4 })).toThrow(/run id/);
    expect(() => expandMatrix(matrix, { runId: 'r', hardwareThreads: 0 })).toThrow(/hardware threads for local/);
    expect(() => expandMatrix(matrix, { runId: 'r', hardwareThreads: () => 2.5 })).toThrow(RangeError);
  });
});

describe('runOrder', () => {
  const jobs = expandMatrix(loadMatrix(fixture('small.yaml')), { runId: 'order', hardwareThreads: 4 });

  it('is a permutation of the jobs, leaving the input as it was', () => {
    const before = [...jobs];
    const ordered = runOrder(jobs, 42);
    expect(jobs).toEqual(before);
    expect(ordered).toHaveLength(jobs.length);
    expect([...ordered].map((job) => job.id).sort()).toEqual([...jobs].map((job) => job.id).sort());
    expect(ordered.map((job) => job.id)).not.toEqual(jobs.map((job) => job.id));
  });

  it('is the same for the same seed and differs between seeds', () => {
    const ids = (seed: number) => runOrder(jobs, seed).map((job) => job.id);
    expect(ids(7)).toEqual(ids(7));
    expect(ids(0xffff_ffff)).toEqual(ids(0xffff_ffff));
    expect(ids(7)).not.toEqual(ids(8));
    expect(new Set([1, 2, 3, 4, 5].map((seed) => ids(seed).join())).size).toBe(5);
  });

  it('interleaves: kernel and model jobs are spread through the run, not in blocks', () => {
    const kinds = runOrder(jobs, 3).map((job) => job.kind);
    const runs = kinds.filter((kind, i) => i === 0 || kind !== kinds[i - 1]).length;
    expect(runs).toBeGreaterThan(4);
  });

  it('handles empty and single-job lists, and refuses a non-integer seed', () => {
    expect(runOrder([], 1)).toEqual([]);
    expect(runOrder(['a'], 1)).toEqual(['a']);
    expect(() => runOrder(jobs, 1.5)).toThrow(RangeError);
  });

  it('draws from mulberry32: deterministic, uniform enough, in [0, 1)', () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    const draws = Array.from({ length: 10_000 }, () => a());
    expect(draws.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = draws.reduce((sum, x) => sum + x, 0) / draws.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });
});
