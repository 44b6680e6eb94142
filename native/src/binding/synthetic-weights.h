// The synthetic model's tensors one at a time, for writers that stream a model to disk (the
// GGUF writer for llama.cpp): the same seeded weights BitNetModel builds, never a whole model
// in memory at once.
#pragma once
#include <napi.h>

namespace bitbench::binding {

// syntheticProjection(spec, layer, projection) -> Promise<{ packed: Uint8Array, scale, n, k }>:
// the packed ternary codes (public format) and the fp32 scale of one projection
// (0 q, 1 k, 2 v, 3 o, 4 gate, 5 up, 6 down).
Napi::Value syntheticProjectionTensor(const Napi::CallbackInfo& info);
// syntheticNormTensor(spec, layer, which) -> Float32Array: RMSNorm weights (0 input,
// 1 attention sub-norm, 2 post-attention, 3 FFN sub-norm); layer == layers is the final norm.
Napi::Value syntheticNormTensor(const Napi::CallbackInfo& info);
// syntheticEmbeddingRowsTensor(spec, rowBegin, rowEnd) -> Promise<Uint16Array>: embedding rows
// as bf16 bit patterns, `hidden` per row.
Napi::Value syntheticEmbeddingRowsTensor(const Napi::CallbackInfo& info);

}  // namespace bitbench::binding
