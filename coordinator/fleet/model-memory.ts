// A model job's bytes as the runner's memory guard will estimate them: bitbench's from the native
// allocator's own figure, llama.cpp's from the model file it would write and what llama.cpp
// allocates beside it (runner/llama/llama-memory.ts).
import { estimateModelBytes } from '../../native/model.js';
import { modelSpecFor } from '../../runner/model-job.js';
import { MODEL_PRESETS } from '../../runner/model-config.js';
import { estimateLlamaModelBytes } from '../../runner/llama/llama-memory.js';
import type { ModelMemoryJob } from './check-report.js';

/** The seed changes the file by a digit of metadata at most: any seed sizes it. */
const ANY_SEED = 1;

/** Bytes the job would allocate. The ISA barely changes the sizes, so the scalar build's answer stands for all. */
export function estimateModelJobBytes(job: ModelMemoryJob): number {
  const dims = MODEL_PRESETS[job.preset];
  if (job.engine === 'llama.cpp') {
    const gguf = { name: job.preset, dims, seed: ANY_SEED, quant: job.quant, lmHead: job.lmHead };
    return estimateLlamaModelBytes({ gguf, sequences: job.batch, prompt: job.prompt, tokens: job.tokens, kv: job.kv }).totalBytes;
  }
  // The job names context and sparsity as a job spec does: modelSpecFor sizes the KV cache to
  // the context and adds the sparse paths' second weight copy and the dense reference passes.
  return estimateModelBytes(modelSpecFor(job, dims, 'scalar'));
}
