// The typed wrapper of the addon's model functions: estimate what a run needs, run the timed
// prefill and decode, or the forward pass alone (correctness tests). Dimensions reaching here
// have passed runner/model-config.ts's validation.
import {
  nativeAddon,
  type AddonModelBenchmark,
  type AddonModelDims,
  type AddonModelRunSpec,
  type AddonModelSpec,
  type KvDtype,
  type KvFill,
  type LmHeadDtype,
} from './addon.js';

export type { AddonModelBenchmark as ModelBenchmark, AddonModelDims as ModelDims, AddonModelSpec as ModelSpec, AddonModelRunSpec as ModelRunSpec };
export type { KvDtype, KvFill, LmHeadDtype };
export { ACTIVATION_SPARSITY_MODES, ATTENTION_SPARSITY_MODES, type ActivationSparsityMode, type AttentionSparsityMode } from './addon.js';

/** Bytes the native model will allocate for this spec (weights, KV cache, activations). */
export function estimateModelBytes(spec: AddonModelSpec): number {
  return nativeAddon().estimateModelBytes(spec);
}

/** Builds the weights, prefills, then times every decode step, on a worker thread. */
export function benchmarkModel(spec: AddonModelSpec, onProgress?: (done: number, total: number) => void): Promise<AddonModelBenchmark> {
  return nativeAddon().benchmarkModel(spec, onProgress);
}

/** The logits of a prompt and of given decode tokens (what correctness tests compare). */
export function runModel(spec: AddonModelRunSpec): Promise<{ promptLogits: Float32Array; decodeLogits: Float32Array }> {
  return nativeAddon().runModel(spec);
}
