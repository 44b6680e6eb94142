// bitbench's synthetic model as a GGUF for llama.cpp: the same seed, dimensions and ternary
// weights as `bitbench model`, the ternary layers as TQ2_0 / TQ1_0 (or dense F16 / BF16), the
// norms as F32, the tied embedding / LM head as BF16 (Q8_0 for --lm-head int8), under llama.cpp's
// `bitnet` architecture (its attention and FFN sub-norms are BitNet's). Files are cached by a
// hash of everything that shapes their bytes; the disk space a file needs is checked before
// writing, like the memory guard before a run.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statfsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { syntheticEmbeddingRows, syntheticNorm, syntheticProjection, type ProjectionName } from '../../native/synthetic-weights.js';
import { formatBytes } from '../memory-guard.js';
import type { ModelDimensions } from '../model-config.js';
import type { LmHeadDtype } from '../protocol/names.js';
import { ggmlRowBytes, ggmlTensorBytes, type GgmlTypeName, type GgufValue } from './gguf-format.js';
import { encodeBf16RowsAsQ8_0, encodeTernaryRows, type TernaryGgmlType } from './gguf-quant.js';
import { readGguf, GgufFormatError } from './gguf-reader.js';
import { ggufFileBytes, writeGguf, type GgufTensor } from './gguf-writer.js';
import { syntheticVocabMetadata } from './synthetic-vocab.js';

import { LLAMA_QUANTS, type LlamaQuant } from '../protocol/names.js';
export { LLAMA_QUANTS, type LlamaQuant };

const GGML_TYPE_OF: Record<LlamaQuant, TernaryGgmlType> = { tq2_0: 'TQ2_0', tq1_0: 'TQ1_0', bf16: 'BF16', f16: 'F16' };

/** Bumped whenever the writer's output for the same inputs changes, so stale cache files are not reused. */
const WRITER_VERSION = 1;
export const GGUF_ARCHITECTURE = 'bitnet';

export interface SyntheticGgufSpec {
  /** The preset's name, or the config file's: only names the file. */
  name: string;
  dims: ModelDimensions;
  seed: number;
  quant: LlamaQuant;
  lmHead: LmHeadDtype;
}

export class DiskSpaceError extends Error {
  override name = 'DiskSpaceError';
  constructor(readonly directory: string, readonly neededBytes: number, readonly freeBytes: number) {
    super(
      `Not enough disk space for the llama.cpp model file: it needs ${formatBytes(neededBytes)} in ${directory}, ` +
        `which has ${formatBytes(freeBytes)} free. Free some space, or point --gguf-cache (or BITBENCH_GGUF_CACHE) at a disk with room.`,
    );
  }
}

/** Where model files are cached: the flag, else $BITBENCH_GGUF_CACHE, else $XDG_CACHE_HOME/bitbench/gguf (~/.cache/...). */
export function ggufCacheDirectory(option?: string): string {
  if (option) return option;
  if (process.env.BITBENCH_GGUF_CACHE) return process.env.BITBENCH_GGUF_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'bitbench', 'gguf');
}

const LAYER_TENSORS: readonly [ProjectionName, string][] = [
  ['q', 'attn_q'],
  ['k', 'attn_k'],
  ['v', 'attn_v'],
  ['o', 'attn_output'],
  ['gate', 'ffn_gate'],
  ['up', 'ffn_up'],
  ['down', 'ffn_down'],
];

function projectionDims(d: ModelDimensions, projection: ProjectionName): [k: number, n: number] {
  const kv = d.kvHeads * d.headDim;
  switch (projection) {
    case 'q': case 'o': return [d.hidden, d.hidden];
    case 'k': case 'v': return [d.hidden, kv];
    case 'gate': case 'up': return [d.hidden, d.ffn];
    case 'down': return [d.ffn, d.hidden];
  }
}

export function embeddingType(lmHead: LmHeadDtype): GgmlTypeName {
  return lmHead === 'int8' ? 'Q8_0' : 'BF16';
}

/** Everything that shapes the file's bytes, hashed: the cache key. */
export function ggufSpecHash(spec: SyntheticGgufSpec): string {
  const { hidden, ffn, layers, heads, kvHeads, vocab, ropeTheta, rmsEps, maxPositions } = spec.dims;
  const key = { writer: WRITER_VERSION, architecture: GGUF_ARCHITECTURE, hidden, ffn, layers, heads, kvHeads, vocab, ropeTheta, rmsEps, maxPositions, seed: spec.seed, quant: spec.quant, lmHead: spec.lmHead };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
}

export function ggufFileName(spec: SyntheticGgufSpec): string {
  const safeName = spec.name.replace(/[^A-Za-z0-9._-]+/g, '_');
  return `${safeName}-${spec.quant}-head-${spec.lmHead}-seed-${spec.seed}-${ggufSpecHash(spec)}.gguf`;
}

function metadataFor(spec: SyntheticGgufSpec): Map<string, GgufValue> {
  const d = spec.dims;
  const arch = GGUF_ARCHITECTURE;
  const u32 = (value: number): GgufValue => ({ type: 'uint32', value });
  const f32 = (value: number): GgufValue => ({ type: 'float32', value });
  return new Map<string, GgufValue>([
    ['general.architecture', { type: 'string', value: arch }],
    ['general.name', { type: 'string', value: `bitbench synthetic ${spec.name} (seed ${spec.seed}, ${spec.quant})` }],
    ['general.alignment', u32(32)],
    [`${arch}.context_length`, u32(d.maxPositions)],
    [`${arch}.embedding_length`, u32(d.hidden)],
    [`${arch}.block_count`, u32(d.layers)],
    [`${arch}.feed_forward_length`, u32(d.ffn)],
    [`${arch}.attention.head_count`, u32(d.heads)],
    [`${arch}.attention.head_count_kv`, u32(d.kvHeads)],
    [`${arch}.attention.layer_norm_rms_epsilon`, f32(d.rmsEps)],
    [`${arch}.rope.freq_base`, f32(d.ropeTheta)],
    [`${arch}.rope.dimension_count`, u32(d.headDim)],
    [`${arch}.vocab_size`, u32(d.vocab)],
    ...syntheticVocabMetadata(d.vocab),
    ['bitbench.spec_hash', { type: 'string', value: ggufSpecHash(spec) }],
    ['bitbench.seed', u32(spec.seed)],
  ]);
}

function f32Tensor(name: string, values: () => Float32Array): GgufTensor {
  const size = values().length;
  return {
    name,
    dims: [size],
    type: 'F32',
    write: async (sink) => {
      const v = values();
      await sink(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    },
  };
}

/** The tensors in file order, each writing itself from the native generator when asked. */
export function tensorsFor(spec: SyntheticGgufSpec): GgufTensor[] {
  const d = spec.dims;
  const nativeDims = { hidden: d.hidden, ffn: d.ffn, layers: d.layers, heads: d.heads, kvHeads: d.kvHeads, vocab: d.vocab, ropeTheta: d.ropeTheta, rmsEps: d.rmsEps };
  const ternary = GGML_TYPE_OF[spec.quant];
  const embedType = embeddingType(spec.lmHead);
  // Rows per embedding chunk: about 16 MB of bf16 at a time.
  const chunkRows = Math.max(32, Math.floor((16 << 20) / (2 * d.hidden)));
  const tensors: GgufTensor[] = [
    {
      name: 'token_embd.weight',
      dims: [d.hidden, d.vocab],
      type: embedType,
      write: async (sink) => {
        for (let row = 0; row < d.vocab; row += chunkRows) {
          const rows = await syntheticEmbeddingRows(nativeDims, spec.seed, row, Math.min(d.vocab, row + chunkRows));
          await sink(embedType === 'Q8_0' ? encodeBf16RowsAsQ8_0(rows, d.hidden) : new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
        }
      },
    },
    f32Tensor('output_norm.weight', () => syntheticNorm(nativeDims, spec.seed, d.layers, 'input')),
  ];
  for (let layer = 0; layer < d.layers; layer++) {
    tensors.push(f32Tensor(`blk.${layer}.attn_norm.weight`, () => syntheticNorm(nativeDims, spec.seed, layer, 'input')));
    tensors.push(f32Tensor(`blk.${layer}.attn_sub_norm.weight`, () => syntheticNorm(nativeDims, spec.seed, layer, 'attentionSub')));
    tensors.push(f32Tensor(`blk.${layer}.ffn_norm.weight`, () => syntheticNorm(nativeDims, spec.seed, layer, 'postAttention')));
    tensors.push(f32Tensor(`blk.${layer}.ffn_sub_norm.weight`, () => syntheticNorm(nativeDims, spec.seed, layer, 'ffnSub')));
    for (const [projection, name] of LAYER_TENSORS) {
      const [k, n] = projectionDims(d, projection);
      if (ternary === 'TQ2_0' || ternary === 'TQ1_0') ggmlRowBytes(ternary, k); // a width that is not whole blocks fails here, before any writing
      tensors.push({
        name: `blk.${layer}.${name}.weight`,
        dims: [k, n],
        type: ternary,
        write: async (sink) => {
          const p = await syntheticProjection(nativeDims, spec.seed, layer, projection);
          await sink(encodeTernaryRows(ternary, p.packed, p.n, p.k, p.scale));
        },
      });
    }
  }
  return tensors;
}

/** Bytes of weights one decode step reads for `sequences` sequences: every layer tensor, the whole LM head, one embedding row per sequence (norms left out, as bitbench's figure leaves them). */
export function ggufWeightBytesPerStep(spec: SyntheticGgufSpec, sequences: number): number {
  const d = spec.dims;
  let total = 0;
  for (const tensor of tensorsFor(spec)) {
    if (tensor.type === 'F32') continue;
    total += ggmlTensorBytes(tensor.type, tensor.dims);
  }
  return total + sequences * ggmlRowBytes(embeddingType(spec.lmHead), d.hidden);
}

/** Bytes of the model's GGUF file, as the writer lays it out (header, vocabulary, aligned tensors); nothing is generated. */
export function syntheticGgufFileBytes(spec: SyntheticGgufSpec): number {
  return ggufFileBytes(metadataFor(spec), tensorsFor(spec));
}

export interface PreparedGguf {
  path: string;
  bytes: number;
  /** True when this call wrote the file; false when the cache had it. */
  written: boolean;
  writeMs: number;
}

/**
 * The model's GGUF in the cache directory, written first if it is not there. A cached file is
 * read back and checked (header, tensor bounds, the spec hash) before use; one that fails is
 * a GgufFormatError naming it.
 */
export async function prepareSyntheticGguf(spec: SyntheticGgufSpec, cacheDirectory: string, freeBytes = freeDiskBytes): Promise<PreparedGguf> {
  const tensors = tensorsFor(spec);
  const metadata = metadataFor(spec);
  const path = join(cacheDirectory, ggufFileName(spec));
  if (existsSync(path)) {
    const file = readGguf(path);
    if (file.metadata.get('bitbench.spec_hash') !== ggufSpecHash(spec) || file.tensors.length !== tensors.length) {
      throw new GgufFormatError(path, 'its tensors or spec hash do not match the model it is named for; remove it and bitbench writes it again');
    }
    return { path, bytes: file.fileBytes, written: false, writeMs: 0 };
  }
  const bytes = ggufFileBytes(metadata, tensors);
  mkdirSync(cacheDirectory, { recursive: true });
  const free = freeBytes(cacheDirectory);
  // Room for the file plus a little, so writing it does not leave the disk exactly full.
  const needed = bytes + Math.min(bytes * 0.05, 256 << 20);
  if (free < needed) throw new DiskSpaceError(cacheDirectory, needed, free);
  const start = performance.now();
  try {
    await writeGguf(path, metadata, tensors);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw new DiskSpaceError(cacheDirectory, needed, freeBytes(cacheDirectory));
    throw error;
  }
  return { path, bytes, written: true, writeMs: performance.now() - start };
}

export function freeDiskBytes(directory: string): number {
  const stats = statfsSync(directory);
  return stats.bavail * stats.bsize;
}
