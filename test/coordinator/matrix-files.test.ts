// The matrices shipped in matrices/: each loads, expands and yields jobs a runner accepts.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expandMatrix } from '../../coordinator/matrix/expand-matrix.js';
import { loadMatrix } from '../../coordinator/matrix/load-matrix.js';
import { jobPathLabel, parseJobSpec, type JobSpecOf } from '../../runner/protocol/job-spec.js';
import { PATH_NAMES } from '../../runner/protocol/names.js';

const MATRICES = fileURLToPath(new URL('../../matrices/', import.meta.url));
const matrix = (name: string) => loadMatrix(`${MATRICES}${name}`);

describe('matrices/', () => {
  it.each(readdirSync(MATRICES).filter((name) => /\.(ya?ml|json)$/.test(name)))('%s loads, expands, and every job parses', (name) => {
    for (const hardwareThreads of [2, 16]) {
      const jobs = expandMatrix(matrix(name), { runId: 'matrices-test', hardwareThreads });
      expect(jobs.length).toBeGreaterThan(0);
      for (const job of jobs) expect(parseJobSpec(JSON.parse(JSON.stringify(job)))).toEqual(job);
    }
  });

  it('quick.yaml is small and covers every path, as kernels and as a model', () => {
    const jobs = expandMatrix(matrix('quick.yaml'), { runId: 'quick', hardwareThreads: 2 });
    const kernels = jobs.filter((job): job is JobSpecOf<'kernel'> => job.kind === 'kernel');
    const models = jobs.filter((job): job is JobSpecOf<'model'> => job.kind === 'model');
    expect(jobs).toHaveLength(23);
    expect(new Set(kernels.map((job) => job.path))).toEqual(new Set(PATH_NAMES));
    const tiny = models.filter((job) => job.preset === 'tiny');
    expect(new Set(tiny.map((job) => job.path))).toEqual(new Set(PATH_NAMES));
    for (const path of PATH_NAMES) {
      const mine = kernels.filter((job) => job.path === path);
      expect(mine.map((job) => `${job.batch}/${job.cache}`).sort()).toEqual(['1/cold', '1/hot', '16/hot']);
    }
    // The only real model: 2B-4T on the fused paths (what fits a small machine) and on llama.cpp's TQ2_0.
    expect(models.filter((job) => job.preset !== 'tiny').map((job) => `${job.preset} ${jobPathLabel(job)} ${job.batch}`)).toEqual([
      'bitnet-b1.58-2b-4t fused 1',
      'bitnet-b1.58-2b-4t fused-i8 1',
      'bitnet-b1.58-2b-4t llama.cpp:tq2_0 1',
    ]);
    expect(jobs.every((job) => job.threads === 2 && job.instanceType === 'local')).toBe(true);
  });

  it("seed-table.yaml has the notebook's table, thread sweep, batch sweep and model rows", () => {
    const jobs = expandMatrix(matrix('seed-table.yaml'), { runId: 'seed', hardwareThreads: 64 });
    const kernels = jobs.filter((job): job is JobSpecOf<'kernel'> => job.kind === 'kernel');
    const models = jobs.filter((job): job is JobSpecOf<'model'> => job.kind === 'model');
    expect(kernels.every((job) => job.n === 4096 && job.k === 4096)).toBe(true);
    for (const path of PATH_NAMES) {
      for (const batch of [1, 64]) {
        for (const cache of ['hot', 'cold']) {
          expect(kernels.filter((job) => job.path === path && job.batch === batch && job.cache === cache && job.threads === 64)).toHaveLength(1);
        }
      }
    }
    const threadSweep = kernels.filter((job) => job.path === 'fused' && job.batch === 1 && job.cache === 'hot').map((job) => job.threads);
    expect(threadSweep.sort((a, b) => a - b)).toEqual([1, 2, 4, 8, 16, 32, 64]);
    const batchSweep = kernels.filter((job) => job.path === 'cached-bf16' && job.threads === 64 && job.cache === 'hot').map((job) => job.batch);
    expect(batchSweep.sort((a, b) => a - b)).toEqual([1, 8, 32, 64, 128]);
    expect(new Set(models.map((job) => job.preset))).toEqual(new Set(['bitnet-b1.58-2b-4t', 'seed-2b', 'seed-7b']));
    expect(new Set(models.map((job) => job.batch))).toEqual(new Set([1, 32]));
    // Thread counts above the machine's are kept; the runner decides.
    const small = expandMatrix(matrix('seed-table.yaml'), { runId: 'seed', hardwareThreads: 2 });
    expect(small.some((job) => job.threads === 32)).toBe(true);
  });

  it('paths-by-instance.yaml gives every instance type the same jobs, on its own thread count', () => {
    const loaded = matrix('paths-by-instance.yaml');
    expect(loaded.instanceTypes.length).toBeGreaterThanOrEqual(5);
    const vcpus = (type: string) => (type.endsWith('.4xlarge') ? 16 : 8);
    const jobs = expandMatrix(loaded, { runId: 'fleet', hardwareThreads: vcpus });
    const perType = loaded.instanceTypes.map((type) => jobs.filter((job) => job.instanceType === type));
    for (const [i, typeJobs] of perType.entries()) {
      expect(typeJobs).toHaveLength(perType[0]!.length);
      expect(typeJobs.every((job) => job.threads === vcpus(loaded.instanceTypes[i]!))).toBe(true);
      expect(new Set(typeJobs.filter((job) => job.kind === 'kernel').map((job) => job.path))).toEqual(new Set(PATH_NAMES));
      expect(typeJobs.filter((job) => job.kind === 'model').every((job) => job.preset === 'bitnet-b1.58-2b-4t' && job.batch === 1)).toBe(true);
    }
  });
});
