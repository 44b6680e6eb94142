#pragma once
#include <napi.h>

namespace bitbench::binding {

// runKernel(spec) -> Promise<Float32Array>: prepare, then one call on the given inputs.
Napi::Value runKernel(const Napi::CallbackInfo& info);

// benchmarkKernel(spec) -> Promise<{ samplesNs, prepareNs, ... }>: the timing loop.
Napi::Value benchmarkKernel(const Napi::CallbackInfo& info);

}  // namespace bitbench::binding
