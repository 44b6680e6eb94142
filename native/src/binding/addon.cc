// The Node-API entry point: registration only. Argument reading lives in arguments.cc and
// kernel-spec.cc, the work in the async workers.
#include <napi.h>

#include "kernel-workers.h"
#include "kv-workers.h"
#include "model-workers.h"
#include "platform-info.h"
#include "probe-workers.h"
#include "synthetic-weights.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace bitbench::binding;
  exports.Set("cpuFeatures", Napi::Function::New(env, cpuFeatures, "cpuFeatures"));
  exports.Set("implementations", Napi::Function::New(env, implementations, "implementations"));
  exports.Set("buildInfo", Napi::Function::New(env, buildInfo, "buildInfo"));
  exports.Set("runKernel", Napi::Function::New(env, runKernel, "runKernel"));
  exports.Set("benchmarkKernel", Napi::Function::New(env, benchmarkKernel, "benchmarkKernel"));
  exports.Set("estimateModelBytes", Napi::Function::New(env, estimateModelBytes, "estimateModelBytes"));
  exports.Set("benchmarkModel", Napi::Function::New(env, benchmarkModel, "benchmarkModel"));
  exports.Set("runModel", Napi::Function::New(env, runModel, "runModel"));
  exports.Set("encodeFp8", Napi::Function::New(env, encodeFp8Array, "encodeFp8"));
  exports.Set("decodeFp8", Napi::Function::New(env, decodeFp8Array, "decodeFp8"));
  exports.Set("attendKv", Napi::Function::New(env, attendKv, "attendKv"));
  exports.Set("modelWeights", Napi::Function::New(env, modelWeights, "modelWeights"));
  exports.Set("measureBandwidth", Napi::Function::New(env, measureBandwidth, "measureBandwidth"));
  exports.Set("computeProbes", Napi::Function::New(env, computeProbes, "computeProbes"));
  exports.Set("measurePeak", Napi::Function::New(env, measurePeak, "measurePeak"));
  exports.Set("measureClock", Napi::Function::New(env, measureClock, "measureClock"));
  exports.Set("syntheticProjection", Napi::Function::New(env, syntheticProjectionTensor, "syntheticProjection"));
  exports.Set("syntheticNorm", Napi::Function::New(env, syntheticNormTensor, "syntheticNorm"));
  exports.Set("syntheticEmbeddingRows", Napi::Function::New(env, syntheticEmbeddingRowsTensor, "syntheticEmbeddingRows"));
  return exports;
}

}  // namespace

NODE_API_MODULE(bitbench_native, Init)
