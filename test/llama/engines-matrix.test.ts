// The engines axis: bitbench runs each path, llama.cpp each quant, on the same model rows; a
// bitbench job's id does not change because llama.cpp became an engine.
import { describe, expect, it } from 'vitest';
import { expandMatrix } from '../../coordinator/matrix/expand-matrix.js';
import { matrixSchema } from '../../coordinator/matrix/matrix-schema.js';
import { jobPathLabel, parseJobSpec } from '../../runner/protocol/job-spec.js';

const section = { presets: ['tiny-256'], paths: ['fused', 'cached-bf16'], batch: [1], prompt: 4, tokens: 4, threads: [2] };

describe('engines axis', () => {
  it('expands bitbench paths and llama.cpp quants side by side, every job valid', () => {
    const matrix = matrixSchema.parse({ models: { ...section, engines: ['bitbench', 'llama.cpp'], quants: ['tq2_0', 'tq1_0'] } });
    const jobs = expandMatrix(matrix, { runId: 'r', hardwareThreads: 2 });
    expect(jobs.map(jobPathLabel)).toEqual(['fused', 'cached-bf16', 'llama.cpp:tq2_0', 'llama.cpp:tq1_0']);
    for (const job of jobs) expect(parseJobSpec(JSON.parse(JSON.stringify(job)))).toEqual(job);
    expect(jobs.filter((j) => j.kind === 'model' && j.engine === 'llama.cpp').every((j) => j.kind === 'model' && j.path === undefined)).toBe(true);
  });

  it('keeps the ids of bitbench jobs from matrices without the axis', () => {
    const before = expandMatrix(matrixSchema.parse({ models: section }), { runId: 'r', hardwareThreads: 2 });
    const after = expandMatrix(matrixSchema.parse({ models: { ...section, engines: ['bitbench', 'llama.cpp'] } }), { runId: 'r', hardwareThreads: 2 });
    expect(after.slice(0, before.length).map((j) => j.id)).toEqual(before.map((j) => j.id));
  });

  it('refuses a llama.cpp job with a path, or a bitbench job with a quant', () => {
    const [job] = expandMatrix(matrixSchema.parse({ models: { ...section, engines: ['llama.cpp'] } }), { runId: 'r', hardwareThreads: 2 });
    expect(() => parseJobSpec({ ...job, path: 'fused' })).toThrow(/path: a llama\.cpp job runs llama\.cpp's kernels/);
    const [bitbench] = expandMatrix(matrixSchema.parse({ models: section }), { runId: 'r', hardwareThreads: 2 });
    expect(() => parseJobSpec({ ...bitbench, quant: 'tq2_0' })).toThrow(/quant: only llama\.cpp jobs take a quant/);
  });
});
