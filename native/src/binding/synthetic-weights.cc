#include "synthetic-weights.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../model/model-spec.h"
#include "../model/synthetic-model.h"
#include "arguments.h"
#include "model-spec-reader.h"
#include "promise-worker.h"

namespace bitbench::binding {

namespace {

const char* kOutOfMemory = "Out of memory while generating a synthetic tensor";

size_t requireIndex(const Napi::CallbackInfo& info, size_t index, const char* name, size_t max) {
  if (info.Length() <= index || !info[index].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string("Expected an integer for ") + name + " but received " +
                                               (info.Length() <= index ? "nothing" : describeValue(info[index])));
  const double value = info[index].As<Napi::Number>().DoubleValue();
  if (!(value >= 0) || value > static_cast<double>(max) || value != static_cast<double>(static_cast<size_t>(value)))
    throw Napi::RangeError::New(info.Env(), std::string("Expected an integer in [0, ") + std::to_string(max) + "] for " +
                                                name + " but received " + describeValue(info[index]));
  return static_cast<size_t>(value);
}

}  // namespace

Napi::Value syntheticProjectionTensor(const Napi::CallbackInfo& info) {
  const ModelSpec spec = readModelSpec(requireObject(info, 0, "spec"));
  const size_t layer = requireIndex(info, 1, "layer", spec.dims.layers - 1);
  const Projection projection = static_cast<Projection>(requireIndex(info, 2, "projection", kProjections - 1));
  const ProjectionShape shape = projectionShape(spec.dims, projection);
  auto packed = std::make_shared<std::vector<uint8_t>>();
  auto scale = std::make_shared<float>(1.0f);
  auto* worker = new TaskWorker(
      info.Env(), [=] { *packed = syntheticProjection(spec.seed, layer, projection, spec.dims, scale.get()); },
      [=](Napi::Env env) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        Napi::Uint8Array bytes = Napi::Uint8Array::New(env, packed->size());
        std::copy(packed->begin(), packed->end(), bytes.Data());
        out.Set("packed", bytes);
        out.Set("scale", *scale);
        out.Set("n", static_cast<double>(shape.n));
        out.Set("k", static_cast<double>(shape.k));
        return out;
      }, kOutOfMemory);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

Napi::Value syntheticNormTensor(const Napi::CallbackInfo& info) {
  const ModelSpec spec = readModelSpec(requireObject(info, 0, "spec"));
  const size_t layer = requireIndex(info, 1, "layer", spec.dims.layers);
  const int which = static_cast<int>(requireIndex(info, 2, "which", layer == spec.dims.layers ? 0 : 3));
  const size_t size = which == 3 ? spec.dims.ffn : spec.dims.hidden;
  const std::vector<float> weights = syntheticNorm(spec.seed, layer, which, size);
  Napi::Float32Array out = Napi::Float32Array::New(info.Env(), weights.size());
  std::copy(weights.begin(), weights.end(), out.Data());
  return out;
}

Napi::Value syntheticEmbeddingRowsTensor(const Napi::CallbackInfo& info) {
  const ModelSpec spec = readModelSpec(requireObject(info, 0, "spec"));
  const size_t rowBegin = requireIndex(info, 1, "rowBegin", spec.dims.vocab);
  const size_t rowEnd = requireIndex(info, 2, "rowEnd", spec.dims.vocab);
  if (rowEnd < rowBegin)
    throw Napi::RangeError::New(info.Env(), "Expected rowEnd >= rowBegin but received " + std::to_string(rowEnd) +
                                                " < " + std::to_string(rowBegin));
  const size_t hidden = spec.dims.hidden;
  auto rows = std::make_shared<std::vector<uint16_t>>();
  auto* worker = new TaskWorker(
      info.Env(),
      [=] {
        rows->resize((rowEnd - rowBegin) * hidden);
        if (rowEnd > rowBegin) syntheticEmbeddingRows(spec.seed, spec.dims, hidden, rowBegin, rowEnd, rows->data());
      },
      [=](Napi::Env env) -> Napi::Value {
        Napi::Uint16Array out = Napi::Uint16Array::New(env, rows->size());
        std::copy(rows->begin(), rows->end(), out.Data());
        return out;
      }, kOutOfMemory);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace bitbench::binding
