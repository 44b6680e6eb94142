#include "model-workers.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <string>

#include "../kernels/ternary-layout.h"
#include "../model/bitnet-model.h"
#include "../runtime/process-memory.h"
#include "../runtime/thread-pool.h"
#include "../model/model-benchmark.h"
#include "../model/synthetic-model.h"
#include "../timing/bandwidth-probe.h"
#include "arguments.h"
#include "kernel-spec.h"
#include "model-spec-reader.h"
#include "promise-worker.h"

namespace bitbench::binding {

namespace {

const char* kOutOfMemory = "Out of memory while building or running the model (the estimate was too low; please report it)";

struct Progress {
  size_t done;
  size_t total;
};

void ignoreProgress(const Napi::CallbackInfo&) {}

class BenchmarkModelWorker : public PromiseWorker<Napi::AsyncProgressWorker<Progress>> {
 public:
  BenchmarkModelWorker(Napi::Function onProgress, ModelSpec spec, ModelRunOptions options)
      : PromiseWorker(onProgress.Env(), onProgress), spec_(spec), options_(options) {}

 protected:
  void Execute(const ExecutionProgress& progress) override {
    settleErrors([&] {
      resetPeakRss();
      BitNetModel model(spec_);
      buildNs_ = model.buildNs();
      kernel_ = model.kernelName();
      attentionKernel_ = model.attentionKernelName();
      outcome_ = runModelBenchmark(model, options_, [&](size_t done, size_t total) {
        const Progress p{done, total};
        progress.Send(&p, 1);
      });
      peakRss_ = peakRssBytes();
    }, kOutOfMemory);
  }
  void OnProgress(const Progress* data, size_t count) override {
    if (count == 0 || Callback().IsEmpty()) return;
    Napi::Env env = Env();
    Callback().Call({Napi::Number::New(env, static_cast<double>(data->done)),
                     Napi::Number::New(env, static_cast<double>(data->total))});
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object result = Napi::Object::New(env);
    result.Set("buildNs", buildNs_);
    result.Set("prefillNs", outcome_.prefillNs);
    Napi::Float64Array steps = Napi::Float64Array::New(env, outcome_.stepNs.size());
    std::copy(outcome_.stepNs.begin(), outcome_.stepNs.end(), steps.Data());
    result.Set("stepNs", steps);
    result.Set("weightBytesPerStep", static_cast<double>(outcome_.weightBytesPerStep));
    result.Set("kvBytesPerStep", outcome_.kvBytesPerStep);
    auto perStep = [&](const std::vector<double>& values) {
      Napi::Float64Array array = Napi::Float64Array::New(env, values.size());
      std::copy(values.begin(), values.end(), array.Data());
      return array;
    };
    result.Set("attentionNs", perStep(outcome_.attentionNs));
    result.Set("projectionNs", perStep(outcome_.projectionNs));
    result.Set("lmHeadNs", perStep(outcome_.lmHeadNs));
    result.Set("fillNs", outcome_.fillNs);
    result.Set("kvBytesPerSequence", static_cast<double>(outcome_.kvBytesPerSequence));
    result.Set("context", static_cast<double>(std::max(options_.context, options_.promptTokens)));
    if (!std::isnan(outcome_.kvCosineMin)) result.Set("kvCosineMin", outcome_.kvCosineMin);
    if (spec_.sparsity.mode != SparsityMode::kNone) {
      Napi::Object sparsity = Napi::Object::New(env);
      Napi::Float64Array dense = Napi::Float64Array::New(env, outcome_.denseStepNs.size());
      std::copy(outcome_.denseStepNs.begin(), outcome_.denseStepNs.end(), dense.Data());
      sparsity.Set("denseStepNs", dense);
      sparsity.Set("zeroFraction", outcome_.sparsity.zeroFraction);
      sparsity.Set("zeroBlockFraction", outcome_.sparsity.zeroBlockFraction);
      sparsity.Set("sparseCallFraction", outcome_.sparsity.sparseCallFraction);
      if (!std::isnan(outcome_.logitsCosineMin)) {
        sparsity.Set("logitsCosineMin", outcome_.logitsCosineMin);
        sparsity.Set("logitsCosineMean", outcome_.logitsCosineMean);
      }
      result.Set("sparsity", sparsity);
    }
    if (spec_.attentionSparsity.mode != AttentionSparsityMode::kNone) {
      Napi::Object attention = Napi::Object::New(env);
      attention.Set("sparsity", outcome_.attentionSparsity);
      if (!std::isnan(outcome_.attentionCosineMin)) attention.Set("cosineMin", outcome_.attentionCosineMin);
      result.Set("attentionSparsity", attention);
    }
    result.Set("attentionKernel", attentionKernel_);
    result.Set("peakRssBytes", peakRss_);
    result.Set("kernel", kernel_);
    result.Set("isa", spec_.implementation->name);
    result.Set("estimateBytes", static_cast<double>(BitNetModel::estimateBytes(spec_)));
    deferred_.Resolve(result);
  }

 private:
  ModelSpec spec_;
  ModelRunOptions options_;
  ModelRunOutcome outcome_;
  double buildNs_ = 0;
  double peakRss_ = 0;
  std::string kernel_;
  std::string attentionKernel_;
};

std::vector<int32_t> readTokens(const Napi::Object& spec, const char* key, size_t length, size_t vocab,
                                const std::string& formula) {
  const Napi::Value value = spec.Get(key);
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw Napi::TypeError::New(spec.Env(), std::string("Expected an Int32Array for ") + key + " but received " +
                                               describeValue(value));
  const Napi::Int32Array array = value.As<Napi::Int32Array>();
  if (array.ElementLength() != length)
    throw Napi::RangeError::New(spec.Env(), std::string("Expected ") + key + " to hold " + formula + " = " +
                                                std::to_string(length) + " tokens but it holds " +
                                                std::to_string(array.ElementLength()));
  std::vector<int32_t> tokens(array.Data(), array.Data() + length);
  for (size_t i = 0; i < length; ++i)
    if (tokens[i] < 0 || static_cast<size_t>(tokens[i]) >= vocab)
      throw Napi::RangeError::New(spec.Env(), std::string("Expected ") + key + "[" + std::to_string(i) +
                                                  "] to be a token in [0, vocab) but received " +
                                                  std::to_string(tokens[i]));
  return tokens;
}

Napi::Float32Array toFloat32Array(Napi::Env env, const std::vector<float>& values) {
  Napi::Float32Array array = Napi::Float32Array::New(env, values.size());
  std::copy(values.begin(), values.end(), array.Data());
  return array;
}

}  // namespace

Napi::Value estimateModelBytes(const Napi::CallbackInfo& info) {
  const ModelSpec spec = readModelSpec(requireObject(info, 0, "spec"));
  return Napi::Number::New(info.Env(), static_cast<double>(BitNetModel::estimateBytes(spec)));
}

Napi::Value benchmarkModel(const Napi::CallbackInfo& info) {
  const Napi::Object spec = requireObject(info, 0, "spec");
  const ModelSpec model = readModelSpec(spec);
  const ModelRunOptions options = readModelRunOptions(spec);
  Napi::Function onProgress;
  if (info.Length() > 1 && !info[1].IsUndefined()) {
    if (!info[1].IsFunction())
      throw Napi::TypeError::New(info.Env(), "Expected a function for onProgress but received " + describeValue(info[1]));
    onProgress = info[1].As<Napi::Function>();
  } else {
    onProgress = Napi::Function::New(info.Env(), ignoreProgress);
  }
  auto* worker = new BenchmarkModelWorker(onProgress, model, options);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

Napi::Value runModel(const Napi::CallbackInfo& info) {
  const Napi::Object spec = requireObject(info, 0, "spec");
  const ModelSpec model = readModelSpec(spec);
  const ModelRunOptions run = readModelRunOptions(spec);
  const size_t vocab = model.dims.vocab;
  if (run.sequences * (run.promptTokens + run.decodeTokens) * vocab > (size_t{1} << 26))
    throw Napi::RangeError::New(info.Env(), "runModel returns every logit: sequences * (prompt + tokens) * vocab must stay below 2^26");
  auto prompt = std::make_shared<std::vector<int32_t>>(
      readTokens(spec, "promptTokens", run.sequences * run.promptTokens, vocab, "sequences * prompt"));
  auto decode = std::make_shared<std::vector<int32_t>>(
      readTokens(spec, "decodeTokens", run.decodeTokens * run.sequences, vocab, "tokens * sequences"));
  auto promptLogits = std::make_shared<std::vector<float>>();
  auto decodeLogits = std::make_shared<std::vector<float>>();
  auto* worker = new TaskWorker(
      info.Env(),
      [=] {
        BitNetModel m(model);
        std::vector<TokenRow> rows;
        for (size_t s = 0; s < run.sequences; ++s)
          for (size_t p = 0; p < run.promptTokens; ++p) rows.push_back({(*prompt)[s * run.promptTokens + p], s, p});
        promptLogits->resize(rows.size() * vocab);
        m.forward(rows.data(), rows.size(), nullptr, promptLogits->data());
        decodeLogits->resize(run.decodeTokens * run.sequences * vocab);
        for (size_t t = 0; t < run.decodeTokens; ++t) {
          std::vector<TokenRow> step;
          for (size_t s = 0; s < run.sequences; ++s)
            step.push_back({(*decode)[t * run.sequences + s], s, run.promptTokens + t});
          m.forward(step.data(), step.size(), nullptr, decodeLogits->data() + t * run.sequences * vocab);
        }
      },
      [=](Napi::Env env) -> Napi::Value {
        Napi::Object result = Napi::Object::New(env);
        result.Set("promptLogits", toFloat32Array(env, *promptLogits));
        result.Set("decodeLogits", toFloat32Array(env, *decodeLogits));
        return result;
      }, kOutOfMemory);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

namespace {

// One layer's synthetic tensors, as modelWeights returns them.
struct SyntheticLayer {
  std::vector<float> norms[4];
  std::vector<uint8_t> packed[kProjections];
  float scales[kProjections];
};

struct SyntheticModel {
  std::vector<uint16_t> embedding;
  std::vector<float> finalNorm;
  std::vector<SyntheticLayer> layers;
};

Napi::Object syntheticModelObject(Napi::Env env, const ModelDims& d, const SyntheticModel& m) {
  Napi::Object out = Napi::Object::New(env);
  Napi::Float32Array embeddingArray = Napi::Float32Array::New(env, m.embedding.size());
  for (size_t i = 0; i < m.embedding.size(); ++i) {
    const uint32_t bits = static_cast<uint32_t>(m.embedding[i]) << 16;
    std::memcpy(embeddingArray.Data() + i, &bits, sizeof bits);
  }
  out.Set("embedding", embeddingArray);
  out.Set("finalNorm", toFloat32Array(env, m.finalNorm));
  Napi::Array layers = Napi::Array::New(env, m.layers.size());
  const char* normNames[] = {"input", "attentionSub", "postAttention", "ffnSub"};
  for (size_t l = 0; l < m.layers.size(); ++l) {
    const SyntheticLayer& source = m.layers[l];
    Napi::Object layer = Napi::Object::New(env);
    Napi::Object norms = Napi::Object::New(env);
    for (int n = 0; n < 4; ++n) norms.Set(normNames[n], toFloat32Array(env, source.norms[n]));
    layer.Set("norms", norms);
    Napi::Object projections = Napi::Object::New(env);
    for (int p = 0; p < kProjections; ++p) {
      const Projection projection = static_cast<Projection>(p);
      const ProjectionShape shape = projectionShape(d, projection);
      Napi::Object tensor = Napi::Object::New(env);
      Napi::Uint8Array bytes = Napi::Uint8Array::New(env, source.packed[p].size());
      std::copy(source.packed[p].begin(), source.packed[p].end(), bytes.Data());
      tensor.Set("packed", bytes);
      tensor.Set("n", static_cast<double>(shape.n));
      tensor.Set("k", static_cast<double>(shape.k));
      tensor.Set("scale", source.scales[p]);
      projections.Set(projectionName(projection), tensor);
    }
    layer.Set("projections", projections);
    layers.Set(static_cast<uint32_t>(l), layer);
  }
  out.Set("layers", layers);
  return out;
}

}  // namespace

// Resolves to every synthetic tensor of a small model (for the reference forward pass in
// tests), generated on a worker thread: nothing is built on the JS thread.
Napi::Value modelWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const ModelSpec spec = readModelSpec(requireObject(info, 0, "spec"));
  const ModelDims& d = spec.dims;
  size_t parameters = d.vocab * d.hidden;
  for (int p = 0; p < kProjections; ++p) {
    const ProjectionShape shape = projectionShape(d, static_cast<Projection>(p));
    parameters += d.layers * shape.n * shape.k;
  }
  if (parameters > (size_t{1} << 24))
    throw Napi::RangeError::New(env, "modelWeights is for small models (at most 2^24 parameters); this one has " +
                                         std::to_string(parameters));
  auto model = std::make_shared<SyntheticModel>();
  auto* worker = new TaskWorker(
      env,
      [=] {
        model->embedding.resize(d.vocab * d.hidden);
        syntheticEmbeddingRows(spec.seed, d, d.hidden, 0, d.vocab, model->embedding.data());
        model->finalNorm = syntheticNorm(spec.seed, d.layers, 0, d.hidden);
        model->layers.resize(d.layers);
        for (size_t l = 0; l < d.layers; ++l) {
          SyntheticLayer& layer = model->layers[l];
          for (int n = 0; n < 4; ++n) layer.norms[n] = syntheticNorm(spec.seed, l, n, n == 3 ? d.ffn : d.hidden);
          for (int p = 0; p < kProjections; ++p)
            layer.packed[p] = syntheticProjection(spec.seed, l, static_cast<Projection>(p), d, &layer.scales[p]);
        }
      },
      [=](Napi::Env resultEnv) -> Napi::Value { return syntheticModelObject(resultEnv, d, *model); }, kOutOfMemory);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

Napi::Value measureBandwidth(const Napi::CallbackInfo& info) {
  const Napi::Object spec = requireObject(info, 0, "spec");
  const size_t bytes = requireInteger(spec, "bytes", 1 << 20, size_t{1} << 40);
  const unsigned threads = static_cast<unsigned>(requireInteger(spec, "threads", 1, ThreadPool::kMaxThreads));
  const size_t passes = optionalInteger(spec, "passes", 1, 1000, 5);
  Napi::Object isaField = Napi::Object::New(info.Env());
  for (const char* key : {"isa"}) if (has(spec, key)) isaField.Set(key, spec.Get(key));
  isaField.Set("path", "fused");
  isaField.Set("n", 1);
  isaField.Set("k", 1);
  isaField.Set("threads", threads);
  const KernelTable* table = readKernelSpec(isaField, 1).path.implementation->table(cpuFeatures());
  auto sample = std::make_shared<BandwidthSample>();
  auto* worker = new TaskWorker(
      info.Env(), [=] { *sample = measureBandwidthSample(*table, bytes, threads, passes); },
      [=](Napi::Env env) -> Napi::Value {
        Napi::Object result = Napi::Object::New(env);
        Napi::Array values = Napi::Array::New(env, sample->readGBs.size());
        for (size_t i = 0; i < sample->readGBs.size(); ++i) values.Set(static_cast<uint32_t>(i), sample->readGBs[i]);
        result.Set("readGBs", values);
        Napi::Array triad = Napi::Array::New(env, sample->triadGBs.size());
        for (size_t i = 0; i < sample->triadGBs.size(); ++i) triad.Set(static_cast<uint32_t>(i), sample->triadGBs[i]);
        result.Set("triadGBs", triad);
        return result;
      }, kOutOfMemory);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace bitbench::binding
