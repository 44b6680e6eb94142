// The Node-API entry point: registration only. Argument reading lives in arguments.cc and
// kernel-spec.cc, the work in the async workers.
#include <napi.h>

#include "kernel-workers.h"
#include "platform-info.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace bitbench::binding;
  exports.Set("cpuFeatures", Napi::Function::New(env, cpuFeatures, "cpuFeatures"));
  exports.Set("implementations", Napi::Function::New(env, implementations, "implementations"));
  exports.Set("buildInfo", Napi::Function::New(env, buildInfo, "buildInfo"));
  exports.Set("runKernel", Napi::Function::New(env, runKernel, "runKernel"));
  exports.Set("benchmarkKernel", Napi::Function::New(env, benchmarkKernel, "benchmarkKernel"));
  return exports;
}

}  // namespace

NODE_API_MODULE(bitbench_native, Init)
