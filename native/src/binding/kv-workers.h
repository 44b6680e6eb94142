// The KV cache formats on their own, for tests: fp8 conversions of whole arrays, and decode
// attention over a cache built from given keys and values.
#pragma once
#include <napi.h>

namespace bitbench::binding {

// encodeFp8(format: 'e4m3' | 'e5m2', values: Float32Array) -> Uint8Array (nearest even, saturating).
Napi::Value encodeFp8Array(const Napi::CallbackInfo& info);
// decodeFp8(format, codes: Uint8Array) -> Float32Array.
Napi::Value decodeFp8Array(const Napi::CallbackInfo& info);
// attendKv({ kv, heads, kvHeads, headDim, positions, q, keys, values, threads?, isa? })
//   -> Promise<Float32Array>: one query row (heads x headDim) attending over `positions` cached
//   positions (keys, values: positions x kvHeads x headDim, stored through the cache format).
Napi::Value attendKv(const Napi::CallbackInfo& info);

}  // namespace bitbench::binding
