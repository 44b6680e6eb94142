// `fleet check`'s memory estimate for llama.cpp jobs: the GGUF's weights by quant, the KV cache
// and llama.cpp's buffers, not bitbench's fused-path figure.
import { describe, expect, it } from 'vitest';
import { formatCheckReport, memoryWarnings, modelMemoryJobs, type ModelMemoryJob } from '../../coordinator/fleet/check-report.js';
import { estimateModelJobBytes } from '../../coordinator/fleet/model-memory.js';
import { matrixSchema } from '../../coordinator/matrix/matrix-schema.js';
import { MODEL_PRESETS } from '../../runner/model-config.js';
import { estimateLlamaModelBytes, LLAMA_RUNTIME_BYTES } from '../../runner/llama/llama-memory.js';
import type { KvDtype, LlamaQuant, LmHeadDtype } from '../../runner/protocol/names.js';

const PRESET = 'bitnet-b1.58-2b-4t';
const dims = MODEL_PRESETS[PRESET];
const GIB = 1024 ** 3;

/** Parameters of the ternary layers, counted from the dimensions. */
const layerParams = dims.layers * (2 * dims.hidden * dims.hidden + 2 * dims.hidden * dims.kvHeads * dims.headDim + 3 * dims.hidden * dims.ffn);
const embeddingParams = dims.vocab * dims.hidden;
const BITS: Record<LlamaQuant, number> = { tq2_0: 2.0625, tq1_0: 1.6875, bf16: 16, f16: 16 };

function llamaJob(quant: LlamaQuant, options: { batch?: number; kv?: KvDtype; lmHead?: LmHeadDtype } = {}): ModelMemoryJob {
  return { preset: PRESET, engine: 'llama.cpp', quant, batch: options.batch ?? 1, prompt: 32, tokens: 64, threads: 2, kv: options.kv ?? 'bf16', lmHead: options.lmHead ?? 'bf16' };
}

function estimate(quant: LlamaQuant, options: { batch?: number; kv?: KvDtype; lmHead?: LmHeadDtype } = {}) {
  const job = llamaJob(quant, options);
  if (job.engine !== 'llama.cpp') throw new Error('unreachable');
  return estimateLlamaModelBytes({ gguf: { name: PRESET, dims, seed: 1, quant, lmHead: job.lmHead }, sequences: job.batch, prompt: job.prompt, tokens: job.tokens, kv: job.kv });
}

describe('llama.cpp model memory', () => {
  it.each(['tq2_0', 'tq1_0', 'bf16', 'f16'] as const)('the %s file holds its weights at their bits per weight, a bf16 embedding and little else', (quant) => {
    const weights = (layerParams * BITS[quant]) / 8 + embeddingParams * 2;
    const { fileBytes } = estimate(quant);
    expect(fileBytes).toBeGreaterThan(weights);
    // The rest is norms (f32) and the vocabulary's metadata: a few MB.
    expect(fileBytes - weights).toBeLessThan(8 * 1024 ** 2);
  });

  it('a q8_0 embedding (--lm-head int8) takes 8.5 bits per weight instead of 16', () => {
    const saved = estimate('tq2_0').fileBytes - estimate('tq2_0', { lmHead: 'int8' }).fileBytes;
    expect(saved).toBe((embeddingParams * (16 - 8.5)) / 8);
  });

  it('counts the KV cache over padded cells, F16 or Q8_0, and grows with the batch', () => {
    const one = estimate('tq2_0');
    // 32 + 64 + 1 positions, padded to 256 cells; K and V per layer.
    expect(one.kvCacheBytes).toBe(dims.layers * 256 * 2 * dims.kvHeads * dims.headDim * 2);
    expect(estimate('tq2_0', { kv: 'int8' }).kvCacheBytes).toBe((one.kvCacheBytes * 34) / 64);
    const batched = estimate('tq2_0', { batch: 8 });
    expect(batched.kvCacheBytes).toBe(dims.layers * Math.ceil((97 * 8) / 256) * 256 * 2 * dims.kvHeads * dims.headDim * 2);
    expect(batched.outputBytes).toBe(8 * 32 * dims.vocab * 4);
    expect(batched.totalBytes).toBeGreaterThan(one.totalBytes);
  });

  it('totals the file, the cache, the buffers and the runtime', () => {
    const e = estimate('tq1_0', { batch: 4 });
    expect(e.totalBytes).toBe(e.fileBytes + e.kvCacheBytes + e.outputBytes + e.computeBytes + LLAMA_RUNTIME_BYTES);
    expect(e.computeBytes).toBeGreaterThan(0);
  });

  it("fleet check's estimator uses it for llama.cpp jobs and orders the quants by size", () => {
    const bytes = (quant: LlamaQuant) => estimateModelJobBytes(llamaJob(quant));
    expect(bytes('tq2_0')).toBe(estimate('tq2_0').totalBytes);
    expect(bytes('tq1_0')).toBeLessThan(bytes('tq2_0'));
    expect(bytes('tq2_0')).toBeLessThan(bytes('bf16'));
    expect(bytes('bf16')).toBe(bytes('f16'));
    // bf16 layers and embedding: about 4.8 GB (4.5 GiB) of weights, three times any ternary figure.
    expect(bytes('bf16')).toBeGreaterThan(4.5 * GIB);
    expect(bytes('tq2_0')).toBeLessThan(1.6 * GIB);
    const fused = estimateModelJobBytes({ ...llamaJob('tq2_0'), engine: 'bitbench', path: 'fused' } as ModelMemoryJob);
    expect(fused).not.toBe(bytes('tq2_0'));
  });
});

describe('fleet check over an engines axis', () => {
  const matrix = matrixSchema.parse({
    models: {
      presets: [PRESET],
      engines: ['bitbench', 'llama.cpp'],
      paths: ['fused', 'cached-bf16'],
      quants: ['tq2_0', 'bf16'],
      batch: [1],
      prompt: 32,
      tokens: 64,
      threads: ['all'],
    },
  });

  it('lists each job once: bitbench per path, llama.cpp per quant', () => {
    const jobs = modelMemoryJobs(matrix, 4);
    expect(jobs.map((j) => (j.engine === 'llama.cpp' ? `llama.cpp:${j.quant}` : j.path))).toEqual(['fused', 'cached-bf16', 'llama.cpp:tq2_0', 'llama.cpp:bf16']);
    expect(jobs.every((j) => j.threads === 4)).toBe(true);
  });

  it('names the llama.cpp quant in a warning', () => {
    const found = [{ instanceType: 'c7i.large', architecture: 'x86_64', vCpus: 2, memoryBytes: 4 * GIB }];
    const warnings = memoryWarnings(matrix, found, estimateModelJobBytes);
    // bf16 llama.cpp (~5.6 GB) does not fit 3.6 GiB usable; tq2_0 (~1.3 GB) does.
    expect(warnings.map((w) => w.path)).toContain('llama.cpp:bf16');
    expect(warnings.map((w) => w.path)).not.toContain('llama.cpp:tq2_0');
    const text = formatCheckReport({ region: undefined, found, unknown: [], warnings });
    expect(text).toMatch(/warning: c7i\.large: bitnet-b1\.58-2b-4t on llama\.cpp:bf16: 1 of 1 job\(s\) will not fit/);
  });
});

describe('fleet check sees context and sparsity', () => {
  const section = { presets: [PRESET], batch: [1], prompt: 32, tokens: 64, threads: [2] };
  const bitbenchJobs = (models: Record<string, unknown>) => modelMemoryJobs(matrixSchema.parse({ models: { ...section, ...models } }), 2);
  const only = (jobs: ModelMemoryJob[]) => {
    expect(jobs).toHaveLength(1);
    return jobs[0]!;
  };

  it('a job at context 8192 needs more than the same job right after the prompt', () => {
    const atPrompt = only(bitbenchJobs({ paths: ['fused'] }));
    const longContext = only(bitbenchJobs({ paths: ['fused'], context: [8192] }));
    expect(longContext).toMatchObject({ engine: 'bitbench', context: 8192 });
    expect(atPrompt).not.toHaveProperty('context');
    // 8192 positions of a bf16 cache: K and V per layer, about 0.6 GiB more on the 2B preset.
    const kvPerPosition = dims.layers * 2 * dims.kvHeads * dims.headDim * 2;
    expect(estimateModelJobBytes(longContext) - estimateModelJobBytes(atPrompt)).toBeGreaterThanOrEqual((8192 - 32 - 64) * kvPerPosition);
  });

  it('a sparsity job on fused-i8 needs more than dense (the column-block copy of the weights)', () => {
    const [dense, sparse] = bitbenchJobs({ paths: ['fused-i8'], sparsity: ['none', { mode: 'top-k', level: 0.5 }] });
    expect(dense).not.toHaveProperty('sparsity');
    expect(sparse).toMatchObject({ sparsity: 'top-k', sparsityLevel: 0.5 });
    expect(estimateModelJobBytes(sparse!)).toBeGreaterThan(estimateModelJobBytes(dense!));
  });

  it('an attention-sparsity job needs more than dense attention (the dense reference pass)', () => {
    const dense = only(bitbenchJobs({ paths: ['fused'] }));
    const windowed = { ...dense, attentionSparsity: 'window', attentionWindow: 16, attentionGlobal: 4 } as ModelMemoryJob;
    expect(estimateModelJobBytes(windowed)).toBeGreaterThan(estimateModelJobBytes(dense));
  });

  it('counts no llama.cpp job that zeroes activations, as expansion makes none', () => {
    const jobs = bitbenchJobs({ engines: ['llama.cpp'], sparsity: [{ mode: 'top-k', level: 0.5 }] });
    expect(jobs).toEqual([]);
  });

  it('names the context of the largest job in a warning', () => {
    const matrix = matrixSchema.parse({ models: { ...section, paths: ['fused'], context: [4096, 8192] } });
    const found = [{ instanceType: 'tiny.nano', architecture: 'x86_64', vCpus: 2, memoryBytes: 0.5 * GIB }];
    const warnings = memoryWarnings(matrix, found, estimateModelJobBytes);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ jobs: 2, jobsOver: 2, largestContext: 8192 });
    expect(formatCheckReport({ region: undefined, found, unknown: [], warnings })).toMatch(/\(batch 1, context 8192\)/);
  });
});
