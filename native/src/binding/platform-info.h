#pragma once
#include <napi.h>

namespace bitbench::binding {

// cpuFeatures() -> { avx2: boolean, ... } for every feature dispatch knows.
Napi::Value cpuFeatures(const Napi::CallbackInfo& info);
// implementations() -> [{ name, compiled, supported, missing, best }], best first.
Napi::Value implementations(const Napi::CallbackInfo& info);
// buildInfo() -> { architecture, blas, compiler, hardwareThreads }.
Napi::Value buildInfo(const Napi::CallbackInfo& info);

}  // namespace bitbench::binding
