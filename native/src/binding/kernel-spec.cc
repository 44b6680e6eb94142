#include "kernel-spec.h"

#include "../kernels/ternary-layout.h"
#include "../runtime/synthetic-data.h"
#include "../runtime/thread-pool.h"
#include "arguments.h"

namespace bitbench::binding {

namespace {

const Implementation& readImplementation(const Napi::Object& spec) {
  if (!has(spec, "isa")) return bestImplementation();
  return requireSupportedIsa(spec);
}

std::vector<std::string> pathNames() { return {"baseline", "cached-f32", "cached-bf16", "fused", "fused-i8"}; }

}  // namespace

const Implementation& requireSupportedIsa(const Napi::Object& spec) {
  const std::string name = requireString(spec, "isa");
  try {
    return supportedImplementation(name);
  } catch (const IsaUnsupportedError& error) {
    Napi::Error jsError = Napi::Error::New(spec.Env(), error.what());
    jsError.Set("code", Napi::String::New(spec.Env(), "ERR_BITBENCH_ISA_UNSUPPORTED"));
    throw jsError;
  } catch (const std::invalid_argument& error) {
    throw Napi::RangeError::New(spec.Env(), error.what());
  }
}

KernelSpec readKernelSpec(const Napi::Object& spec, size_t maxBatch) {
  KernelSpec out;
  const std::string path = optionalChoice(spec, "path", pathNames(), "");
  if (path.empty()) requireString(spec, "path");  // throws the TypeError for a missing path
  out.path.kind = parsePathKind(path);
  out.path.implementation = &readImplementation(spec);
  out.path.n = requireInteger(spec, "n", 1, kMaxDimension);
  out.path.k = requireInteger(spec, "k", 1, kMaxDimension);
  out.path.maxBatch = maxBatch;
  out.path.scale = static_cast<float>(optionalNumber(spec, "scale", -1e30, 1e30, 1.0));
  out.path.useBlas = optionalBoolean(spec, "useBlas", true);
  out.path.sparseKernel = optionalBoolean(spec, "sparseKernel", false);
  out.threads = static_cast<unsigned>(requireInteger(spec, "threads", 1, ThreadPool::kMaxThreads));
  return out;
}

RunSpec readRunSpec(const Napi::CallbackInfo& info) {
  const Napi::Object spec = requireObject(info, 0, "spec");
  const size_t batch = requireInteger(spec, "batch", 1, kMaxBatch);
  RunSpec out{readKernelSpec(spec, batch), batch, {}};
  const size_t n = out.kernel.path.n, k = out.kernel.path.k;
  out.kernel.packed = requireUint8Array(spec, "packed", packedBytes(n, k), "n * ceil(k / 4)");
  out.x = requireFloat32Array(spec, "x", batch * k, "batch * k");
  return out;
}

BenchmarkSpec readBenchmarkSpec(const Napi::CallbackInfo& info) {
  const Napi::Object spec = requireObject(info, 0, "spec");
  const size_t batch = requireInteger(spec, "batch", 1, kMaxBatch);
  BenchmarkSpec out{readKernelSpec(spec, batch), {}};
  const size_t n = out.kernel.path.n, k = out.kernel.path.k;
  BenchmarkOptions& o = out.options;
  o.batch = batch;
  o.threads = out.kernel.threads;
  o.cold = optionalChoice(spec, "cache", {"hot", "cold"}, "hot") == "cold";
  o.coldBytes = optionalInteger(spec, "coldBytes", 1, size_t{1} << 40, size_t{1} << 30);
  o.warmup = optionalInteger(spec, "warmup", 0, 1000000, 3);
  o.minSamples = optionalInteger(spec, "minSamples", 1, 10000000, 10);
  o.maxSamples = optionalInteger(spec, "maxSamples", 1, 10000000, 1000);
  if (o.maxSamples < o.minSamples)
    throw Napi::RangeError::New(spec.Env(), "Expected maxSamples (" + std::to_string(o.maxSamples) +
                                                ") to be at least minSamples (" +
                                                std::to_string(o.minSamples) + ")");
  o.minTimeNs = optionalNumber(spec, "minTimeMs", 0, 3.6e6, 200) * 1e6;
  o.targetCv = optionalNumber(spec, "targetCv", 0, 10, 0);
  o.maxTimeNs = optionalNumber(spec, "maxTimeMs", 0, 3.6e6, 0) * 1e6;
  o.seed = optionalInteger(spec, "seed", 0, (size_t{1} << 53), 1);
  o.sparsity = optionalNumber(spec, "sparsity", 0, 1, 0);
  if (o.sparsity > 0) out.kernel.path.sparseKernel = true;
  o.scatteredSparsity = optionalChoice(spec, "sparsityPattern", {"blocks", "scattered"}, "blocks") == "scattered";
  if (has(spec, "packed"))
    out.kernel.packed = requireUint8Array(spec, "packed", packedBytes(n, k), "n * ceil(k / 4)");
  return out;
}

}  // namespace bitbench::binding
