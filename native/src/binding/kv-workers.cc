#include "kv-workers.h"

#include <memory>
#include <string>
#include <vector>

#include "../dispatch/implementations.h"
#include "../model/attention.h"
#include "../model/fp8.h"
#include "../model/kv-cache.h"
#include "arguments.h"
#include "kernel-spec.h"
#include "model-spec-reader.h"
#include "promise-worker.h"

namespace bitbench::binding {

namespace {
constexpr size_t kMaxElements = size_t{1} << 24;

Fp8Format readFormat(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString())
    throw Napi::TypeError::New(info.Env(), "Expected 'e4m3' or 'e5m2' for format but received " +
                                               (info.Length() < 1 ? std::string("nothing") : describeValue(info[0])));
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  if (name == "e4m3") return Fp8Format::kE4M3;
  if (name == "e5m2") return Fp8Format::kE5M2;
  throw Napi::RangeError::New(info.Env(), "Expected 'e4m3' or 'e5m2' for format but received '" + name + "'");
}

Napi::TypedArray requireTypedArray(const Napi::CallbackInfo& info, napi_typedarray_type type, const char* name,
                                   const char* expected) {
  if (info.Length() < 2 || !info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != type)
    throw Napi::TypeError::New(info.Env(), std::string("Expected ") + expected + " for " + name + " but received " +
                                               (info.Length() < 2 ? std::string("nothing") : describeValue(info[1])));
  const Napi::TypedArray array = info[1].As<Napi::TypedArray>();
  if (array.ElementLength() > kMaxElements)
    throw Napi::RangeError::New(info.Env(), std::string("Expected at most 2^24 elements in ") + name);
  return array;
}
}  // namespace

Napi::Value encodeFp8Array(const Napi::CallbackInfo& info) {
  const Fp8Format format = readFormat(info);
  const Napi::Float32Array values = requireTypedArray(info, napi_float32_array, "values", "a Float32Array").As<Napi::Float32Array>();
  Napi::Uint8Array codes = Napi::Uint8Array::New(info.Env(), values.ElementLength());
  encodeFp8(format, values.Data(), values.ElementLength(), 1.0f, codes.Data());
  return codes;
}

Napi::Value decodeFp8Array(const Napi::CallbackInfo& info) {
  const Fp8Format format = readFormat(info);
  const Napi::Uint8Array codes = requireTypedArray(info, napi_uint8_array, "codes", "a Uint8Array").As<Napi::Uint8Array>();
  Napi::Float32Array values = Napi::Float32Array::New(info.Env(), codes.ElementLength());
  decodeFp8(format, codes.Data(), codes.ElementLength(), values.Data());
  return values;
}

Napi::Value attendKv(const Napi::CallbackInfo& info) {
  const Napi::Object spec = requireObject(info, 0, "spec");
  ModelDims d{};
  d.heads = requireInteger(spec, "heads", 1, 256);
  d.kvHeads = requireInteger(spec, "kvHeads", 1, 256);
  d.headDim = requireInteger(spec, "headDim", 2, 1024);
  if (d.heads % d.kvHeads != 0)
    throw Napi::RangeError::New(info.Env(), "Expected heads to be a multiple of kvHeads");
  d.hidden = d.heads * d.headDim;
  d.layers = 1;
  const size_t positions = requireInteger(spec, "positions", 1, 65536);
  const size_t width = d.kvHeads * d.headDim;
  if (positions * width > kMaxElements) throw Napi::RangeError::New(info.Env(), "Expected positions * kvHeads * headDim <= 2^24");
  const KvDtype dtype = readKvDtype(spec);
  const AttentionSparsity sparsity = readAttentionSparsity(spec);
  const unsigned threads = static_cast<unsigned>(optionalInteger(spec, "threads", 1, 256, 1));
  // The ISA read as for kernels (an unsupported one rejects with ERR_BITBENCH_ISA_UNSUPPORTED).
  Napi::Object kernelFields = Napi::Object::New(info.Env());
  if (has(spec, "isa")) kernelFields.Set("isa", spec.Get("isa"));
  kernelFields.Set("path", "fused");
  kernelFields.Set("n", 1);
  kernelFields.Set("k", 1);
  kernelFields.Set("threads", 1);
  const Implementation& implementation = *readKernelSpec(kernelFields, 1).path.implementation;
  auto q = std::make_shared<std::vector<float>>(requireFloat32Array(spec, "q", d.hidden, "heads * headDim"));
  auto keys = std::make_shared<std::vector<float>>(requireFloat32Array(spec, "keys", positions * width, "positions * kvHeads * headDim"));
  auto values = std::make_shared<std::vector<float>>(requireFloat32Array(spec, "values", positions * width, "positions * kvHeads * headDim"));
  auto out = std::make_shared<std::vector<float>>(d.hidden);
  const AttentionKernels* kernels = &attentionKernelsFor(&implementation);
  auto* worker = new TaskWorker(
      info.Env(),
      [=] {
        KvCache cache(d, dtype, 1, positions);
        for (size_t p = 0; p < positions; ++p) cache.store(0, 0, p, keys->data() + p * width, values->data() + p * width);
        AttentionScratch scratch(d, positions, threads);
        const AttentionRow row{0, positions - 1};
        attendRows(cache, *kernels, d, 0, &row, 1, q->data(), out->data(), threads, scratch, sparsity);
      },
      [=](Napi::Env env) -> Napi::Value {
        Napi::Float32Array array = Napi::Float32Array::New(env, out->size());
        std::copy(out->begin(), out->end(), array.Data());
        return array;
      },
      "Out of memory in attendKv");
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace bitbench::binding
