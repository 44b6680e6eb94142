#pragma once
#include <napi.h>

namespace bitbench::binding {

// estimateModelBytes(spec) -> number: what benchmarkModel / runModel would allocate.
Napi::Value estimateModelBytes(const Napi::CallbackInfo& info);
// benchmarkModel(spec, onProgress?) -> Promise<{ buildNs, prefillNs, stepNs, ... }>.
Napi::Value benchmarkModel(const Napi::CallbackInfo& info);
// runModel(spec) -> Promise<{ promptLogits, decodeLogits }>: logits of every prompt token and
// of each decode step for given tokens (spec.promptTokens, spec.decodeTokens: Int32Array).
Napi::Value runModel(const Napi::CallbackInfo& info);
// modelWeights(spec) -> Promise of the synthetic weights of a small model, for reference checks.
Napi::Value modelWeights(const Napi::CallbackInfo& info);
// measureBandwidth({ bytes, threads, passes }) -> Promise<{ readGBs: number[] }>.
Napi::Value measureBandwidth(const Napi::CallbackInfo& info);

}  // namespace bitbench::binding
