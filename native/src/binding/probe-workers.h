#pragma once
#include <napi.h>

namespace bitbench::binding {

// computeProbes() -> [{ isa, fp32Instruction, int8Instruction }] for every ISA this build has a
// probe for and this CPU supports, best first.
Napi::Value computeProbes(const Napi::CallbackInfo& info);

// measurePeak({ isa, kind: 'fp32' | 'int8', threads, targetMs?, passes? }) -> Promise<{ opsPerSecond: number[] }>.
Napi::Value measurePeak(const Napi::CallbackInfo& info);

// measureClock({ threads, targetMs?, passes? }) -> Promise<{ ghz: number[] }> (empty where unsupported).
Napi::Value measureClock(const Napi::CallbackInfo& info);

}  // namespace bitbench::binding
