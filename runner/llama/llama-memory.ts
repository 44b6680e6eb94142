// What a llama.cpp model job will hold in memory, estimated before anything loads: the runner's
// memory guard and `fleet check` both use it. llama.cpp on the CPU maps the GGUF and computes
// from the mapping, so every page of the file is resident by the first decode step; beside it
// it allocates the KV cache, the logits buffer and one compute buffer sized for a whole batch
// (node-llama-cpp sets n_ubatch = n_batch). Sizes follow the settings llama-engine.ts passes.
import type { KvDtype } from '../protocol/names.js';
import { GGML_BLOCKS } from './gguf-format.js';
import { ggufSpecHash, syntheticGgufFileBytes, type SyntheticGgufSpec } from './synthetic-gguf.js';

/** node-llama-cpp pads the KV cells of a context to a multiple of this (its `contextSizePad`, from llama.cpp). */
export const LLAMA_CONTEXT_PAD = 256;
/** ggml's thread pool, graph metadata and the loaded CPU backend library, beyond the buffers counted here. */
export const LLAMA_RUNTIME_BYTES = 64 * 1024 ** 2;

export interface LlamaMemoryJob {
  gguf: SyntheticGgufSpec;
  sequences: number;
  prompt: number;
  tokens: number;
  kv: KvDtype;
}

export interface LlamaMemoryEstimate {
  /** The GGUF, mapped and read whole. */
  fileBytes: number;
  kvCacheBytes: number;
  /** Logits of up to one batch of outputs, fp32. */
  outputBytes: number;
  /** The largest stage of the graph for one batch: the LM head, the attention scores or the FFN. */
  computeBytes: number;
  totalBytes: number;
}

/** The context llama-engine.ts asks for: positions per sequence and tokens per batch. */
export function llamaContextShape(job: Pick<LlamaMemoryJob, 'sequences' | 'prompt' | 'tokens'>) {
  const contextSize = job.prompt + job.tokens + 1;
  const batchSize = Math.max(job.sequences * job.prompt, job.sequences);
  const cells = Math.ceil((contextSize * job.sequences) / LLAMA_CONTEXT_PAD) * LLAMA_CONTEXT_PAD;
  return { contextSize, batchSize, cells };
}

/** Bytes per K (or V) element of the KV cache llama-engine.ts asks for: F16, or Q8_0 for int8. */
function kvElementBytes(kv: KvDtype): number {
  const block = kv === 'int8' ? GGML_BLOCKS.Q8_0 : GGML_BLOCKS.F16;
  return block.bytes / block.elements;
}

// Laying out the header serializes the whole vocabulary (a second for 128k tokens); the size
// depends on the file alone, not on batch or KV, and `fleet check` asks for many jobs of one file.
const fileBytesByHash = new Map<string, number>();

function fileBytesOf(spec: SyntheticGgufSpec): number {
  const key = `${ggufSpecHash(spec)}:${spec.name}`;
  let bytes = fileBytesByHash.get(key);
  if (bytes === undefined) fileBytesByHash.set(key, (bytes = syntheticGgufFileBytes(spec)));
  return bytes;
}

export function estimateLlamaModelBytes(job: LlamaMemoryJob): LlamaMemoryEstimate {
  const d = job.gguf.dims;
  const { batchSize, cells } = llamaContextShape(job);
  const fileBytes = fileBytesOf(job.gguf);
  const kvCacheBytes = d.layers * cells * 2 * d.kvHeads * d.headDim * kvElementBytes(job.kv);
  const outputBytes = batchSize * d.vocab * 4;
  // Reserved for the worst case, every token of a batch an output; ggml reuses the buffer
  // across stages, so the largest stage plus the residual stream bounds it.
  const lmHead = d.vocab + d.hidden;
  // Each sequence has its own KV stream (node-llama-cpp leaves the cache unified off): a token's
  // scores span its sequence's cells, not the whole cache.
  const attentionScores = 2 * d.heads * Math.ceil(cells / job.sequences);
  const ffn = 3 * d.ffn + d.hidden;
  const computeBytes = 4 * batchSize * (Math.max(lmHead, attentionScores, ffn) + 4 * d.hidden);
  return {
    fileBytes,
    kvCacheBytes,
    outputBytes,
    computeBytes,
    totalBytes: fileBytes + kvCacheBytes + outputBytes + computeBytes + LLAMA_RUNTIME_BYTES,
  };
}
