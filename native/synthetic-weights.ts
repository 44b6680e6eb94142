// The synthetic model's tensors one at a time (the typed wrapper of the addon's synthetic*
// functions): what a writer that streams the model to another format (the GGUF for llama.cpp)
// reads, so both engines run exactly the same seeded weights.
import { addon, type AddonModelDims } from './addon.js';

/** The seven ternary projections of a layer, in the order the native model numbers them. */
export const PROJECTIONS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type ProjectionName = (typeof PROJECTIONS)[number];

/** RMSNorm weights of a layer, in the order the native model numbers them. */
export const LAYER_NORMS = ['input', 'attentionSub', 'postAttention', 'ffnSub'] as const;
export type LayerNormName = (typeof LAYER_NORMS)[number];

export interface SyntheticProjection {
  /** Packed ternary codes in the public format (DESIGN.md), n rows of ceil(k / 4) bytes. */
  packed: Uint8Array;
  /** The tensor's fp32 scale: y = scale * (W x). */
  scale: number;
  n: number;
  k: number;
}

interface SyntheticWeightsAddon {
  syntheticProjection(spec: object, layer: number, projection: number): Promise<SyntheticProjection>;
  syntheticNorm(spec: object, layer: number, which: number): Float32Array;
  syntheticEmbeddingRows(spec: object, rowBegin: number, rowEnd: number): Promise<Uint16Array>;
}

const native = addon as unknown as SyntheticWeightsAddon;

function specOf(dims: AddonModelDims, seed: number): object {
  return { dims, path: 'fused', threads: 1, sequences: 1, prompt: 1, seed };
}

/** One projection of one layer, as `bitbench model` builds it for this seed. */
export function syntheticProjection(dims: AddonModelDims, seed: number, layer: number, projection: ProjectionName): Promise<SyntheticProjection> {
  return native.syntheticProjection(specOf(dims, seed), layer, PROJECTIONS.indexOf(projection));
}

/** A layer's RMSNorm weights; `layer === dims.layers` with 'input' is the final norm. */
export function syntheticNorm(dims: AddonModelDims, seed: number, layer: number, which: LayerNormName): Float32Array {
  return native.syntheticNorm(specOf(dims, seed), layer, LAYER_NORMS.indexOf(which));
}

/** Embedding rows [rowBegin, rowEnd) as bf16 bit patterns, `hidden` values per row. */
export function syntheticEmbeddingRows(dims: AddonModelDims, seed: number, rowBegin: number, rowEnd: number): Promise<Uint16Array> {
  return native.syntheticEmbeddingRows(specOf(dims, seed), rowBegin, rowEnd);
}
