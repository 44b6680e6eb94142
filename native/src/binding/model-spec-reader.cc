#include "model-spec-reader.h"

#include <stdexcept>

#include "../runtime/thread-pool.h"
#include "arguments.h"
#include "kernel-spec.h"

namespace bitbench::binding {

namespace {
constexpr size_t kMaxModelSize = size_t{1} << 20;

Napi::Object requireField(const Napi::Object& object, const char* key) {
  const Napi::Value value = object.Get(key);
  if (!value.IsObject() || value.IsArray())
    throw Napi::TypeError::New(object.Env(), std::string("Expected an object for ") + key + " but received " +
                                                 describeValue(value));
  return value.As<Napi::Object>();
}
}  // namespace

KvDtype readKvDtype(const Napi::Object& spec) {
  const std::string name = optionalChoice(spec, "kv", {"bf16", "int8", "fp8-e4m3", "fp8-e5m2"}, "bf16");
  if (name == "int8") return KvDtype::kInt8;
  if (name == "fp8-e4m3") return KvDtype::kFp8E4M3;
  if (name == "fp8-e5m2") return KvDtype::kFp8E5M2;
  return KvDtype::kBf16;
}

ModelSpec readModelSpec(const Napi::Object& spec) {
  const Napi::Object dims = requireField(spec, "dims");
  ModelSpec out{};
  ModelDims& d = out.dims;
  d.hidden = requireInteger(dims, "hidden", 1, kMaxModelSize);
  d.ffn = requireInteger(dims, "ffn", 1, kMaxModelSize);
  d.layers = requireInteger(dims, "layers", 1, 4096);
  d.heads = requireInteger(dims, "heads", 1, 4096);
  d.kvHeads = requireInteger(dims, "kvHeads", 1, 4096);
  d.vocab = requireInteger(dims, "vocab", 1, kMaxModelSize * 4);
  d.headDim = d.hidden / d.heads;
  d.ropeTheta = static_cast<float>(optionalNumber(dims, "ropeTheta", 1e-6, 1e12, 10000));
  d.rmsEps = static_cast<float>(optionalNumber(dims, "rmsEps", 1e-12, 1, 1e-5));
  try {
    checkModelDims(d);
  } catch (const std::invalid_argument& error) {
    throw Napi::RangeError::New(spec.Env(), error.what());
  }
  // path and isa, as for kernels
  Napi::Object kernelFields = Napi::Object::New(spec.Env());
  for (const char* key : {"path", "isa", "useBlas", "threads"})
    if (has(spec, key)) kernelFields.Set(key, spec.Get(key));
  kernelFields.Set("n", 1);
  kernelFields.Set("k", 1);
  const KernelSpec kernel = readKernelSpec(kernelFields, 1);
  out.path = kernel.path.kind;
  out.implementation = kernel.path.implementation;
  out.useBlas = kernel.path.useBlas;
  out.threads = kernel.threads;
  out.kv = readKvDtype(spec);
  out.lmHead = optionalChoice(spec, "lmHead", {"bf16", "int8"}, "bf16") == "int8" ? LmHeadDtype::kInt8 : LmHeadDtype::kBf16;
  out.seed = optionalInteger(spec, "seed", 0, size_t{1} << 53, 1);
  out.maxSequences = requireInteger(spec, "sequences", 1, 4096);
  out.maxPromptTokens = requireInteger(spec, "prompt", 1, 65536);
  const ModelRunOptions run = readModelRunOptions(spec);
  out.maxPositions = positionsNeeded(run);
  out.kvReference = run.qualitySteps > 0;
  out.sparsity.mode =
      parseSparsityMode(optionalChoice(spec, "sparsity", {"none", "threshold", "top-k", "adaptive", "top-k-blocks"}, "none"));
  out.sparsity.level = optionalNumber(spec, "sparsityLevel", 0, 1e30, 0);
  try {
    checkActivationSparsity(out.sparsity);
  } catch (const std::invalid_argument& error) {
    throw Napi::RangeError::New(spec.Env(), error.what());
  }
  out.attentionSparsity = readAttentionSparsity(spec);
  return out;
}

AttentionSparsity readAttentionSparsity(const Napi::Object& spec) {
  AttentionSparsity out;
  out.mode = parseAttentionSparsityMode(
      optionalChoice(spec, "attentionSparsity", {"none", "top-k", "threshold", "window", "dynamic"}, "none"));
  out.level = optionalNumber(spec, "attentionLevel", 0, 1, 0);
  out.window = optionalInteger(spec, "attentionWindow", 0, size_t{1} << 20, 0);
  out.global = optionalInteger(spec, "attentionGlobal", 0, size_t{1} << 20, 0);
  try {
    checkAttentionSparsity(out);
  } catch (const std::invalid_argument& error) {
    throw Napi::RangeError::New(spec.Env(), error.what());
  }
  return out;
}

ModelRunOptions readModelRunOptions(const Napi::Object& spec) {
  const size_t prompt = requireInteger(spec, "prompt", 1, 65536);
  const size_t context = optionalInteger(spec, "context", 1, size_t{1} << 20, prompt);
  if (context < prompt)
    throw Napi::RangeError::New(spec.Env(), "Expected context to be at least prompt (" + std::to_string(prompt) +
                                                ") but received " + std::to_string(context));
  const KvFill fill = optionalChoice(spec, "fill", {"prefill", "tiled"}, "tiled") == "prefill" ? KvFill::kPrefill : KvFill::kTiled;
  return {requireInteger(spec, "sequences", 1, 4096), prompt, optionalInteger(spec, "tokens", 0, 65536, 0), context,
          fill, optionalInteger(spec, "kvQualitySteps", 0, 64, 0)};
}

}  // namespace bitbench::binding
