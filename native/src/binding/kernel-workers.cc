#include "kernel-workers.h"

#include <memory>
#include <new>
#include <string>

#include "../kernels/ternary-layout.h"
#include "../runtime/aligned-buffer.h"
#include "../runtime/synthetic-data.h"
#include "kernel-spec.h"
#include "promise-worker.h"

namespace bitbench::binding {

namespace {

constexpr const char* kOutOfMemory =
    "Out of memory: the kernel's buffers could not be allocated (reduce n, k, batch or coldBytes)";

std::unique_ptr<ComputePath> buildPath(const KernelSpec& spec) { return makeComputePath(spec.path); }

class RunKernelWorker : public PromiseWorker<Napi::AsyncWorker> {
 public:
  RunKernelWorker(Napi::Env env, RunSpec spec) : PromiseWorker(env, env), spec_(std::move(spec)) {}

 protected:
  void Execute() override { settleErrors([&] { compute(); }, kOutOfMemory); }
  void compute() {
    std::unique_ptr<ComputePath> path = buildPath(spec_.kernel);
    AlignedBuffer prepared(path->preparedBytes());
    path->prepare(spec_.kernel.packed.data(), prepared.as<uint8_t>());
    y_.resize(spec_.batch * spec_.kernel.path.n);
    path->run(prepared.as<uint8_t>(), spec_.x.data(), spec_.batch, y_.data(), spec_.kernel.threads);
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Float32Array y = Napi::Float32Array::New(env, y_.size());
    std::copy(y_.begin(), y_.end(), y.Data());
    deferred_.Resolve(y);
  }

 private:
  RunSpec spec_;
  std::vector<float> y_;
};

class BenchmarkKernelWorker : public PromiseWorker<Napi::AsyncWorker> {
 public:
  BenchmarkKernelWorker(Napi::Env env, BenchmarkSpec spec) : PromiseWorker(env, env), spec_(std::move(spec)) {}

 protected:
  void Execute() override { settleErrors([&] { compute(); }, kOutOfMemory); }
  void compute() {
    const PathConfig& config = spec_.kernel.path;
    std::vector<uint8_t>& packed = spec_.kernel.packed;
    if (packed.empty()) {
      packed.resize(packedBytes(config.n, config.k));
      syntheticPackedWeights(spec_.options.seed, config.n, config.k, packed.data());
    }
    std::unique_ptr<ComputePath> path = buildPath(spec_.kernel);
    kernelName_ = path->kernelName();
    blasName_ = path->blasName();
    outcome_ = runBenchmark(*path, packed.data(), spec_.options);
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object result = Napi::Object::New(env);
    Napi::Float64Array samples = Napi::Float64Array::New(env, outcome_.samplesNs.size());
    std::copy(outcome_.samplesNs.begin(), outcome_.samplesNs.end(), samples.Data());
    result.Set("samplesNs", samples);
    result.Set("prepareNs", outcome_.prepareNs);
    result.Set("preparedBytes", static_cast<double>(outcome_.preparedBytes));
    result.Set("readBytes", static_cast<double>(outcome_.readBytes));
    result.Set("copies", static_cast<double>(outcome_.copies));
    result.Set("footprintBytes", static_cast<double>(outcome_.footprintBytes));
    result.Set("checksum", outcome_.checksum);
    if (spec_.options.sparsity > 0) {
      const SparsityCounters& counters = outcome_.sparsity;
      const double calls = static_cast<double>(counters.calls);
      Napi::Float64Array dense = Napi::Float64Array::New(env, outcome_.denseSamplesNs.size());
      std::copy(outcome_.denseSamplesNs.begin(), outcome_.denseSamplesNs.end(), dense.Data());
      Napi::Object sparsity = Napi::Object::New(env);
      sparsity.Set("zeroFraction", outcome_.zeroFraction);
      sparsity.Set("zeroBlockFraction", calls > 0 ? counters.zeroBlocks / calls : 0.0);
      sparsity.Set("sparseCallFraction", calls > 0 ? static_cast<double>(counters.sparseCalls) / calls : 0.0);
      sparsity.Set("skippedFraction", calls > 0 ? counters.skipped / calls : 0.0);
      sparsity.Set("denseSamplesNs", dense);
      result.Set("sparsity", sparsity);
    }
    result.Set("isa", spec_.kernel.path.implementation->name);
    result.Set("kernel", kernelName_);
    result.Set("blas", blasName_.empty() ? env.Null() : Napi::String::New(env, blasName_));
    deferred_.Resolve(result);
  }

 private:
  BenchmarkSpec spec_;
  BenchmarkOutcome outcome_;
  std::string kernelName_;
  std::string blasName_;
};

}  // namespace

Napi::Value runKernel(const Napi::CallbackInfo& info) {
  auto* worker = new RunKernelWorker(info.Env(), readRunSpec(info));
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

Napi::Value benchmarkKernel(const Napi::CallbackInfo& info) {
  auto* worker = new BenchmarkKernelWorker(info.Env(), readBenchmarkSpec(info));
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace bitbench::binding
