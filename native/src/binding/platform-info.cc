#include "platform-info.h"

#include "../blas/blas.h"
#include "../dispatch/implementations.h"
#include "../runtime/thread-pool.h"

namespace bitbench::binding {

Napi::Value cpuFeatures(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  const CpuFeatures& cpu = bitbench::cpuFeatures();
  for (int f = 0; f < static_cast<int>(Feature::kCount); ++f)
    out.Set(featureName(static_cast<Feature>(f)), cpu.has(static_cast<Feature>(f)));
  return out;
}

Napi::Value implementations(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<Implementation>& list = allImplementations();
  const Implementation& best = bestImplementation();
  Napi::Array out = Napi::Array::New(env, list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    const Implementation& impl = list[i];
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("name", impl.name);
    entry.Set("compiled", impl.compiled);
    entry.Set("supported", isSupported(impl, bitbench::cpuFeatures()));
    const std::vector<std::string> missing = missingFeatures(impl, bitbench::cpuFeatures());
    Napi::Array missingArray = Napi::Array::New(env, missing.size());
    for (size_t j = 0; j < missing.size(); ++j) missingArray.Set(static_cast<uint32_t>(j), missing[j]);
    entry.Set("missing", missingArray);
    entry.Set("best", &impl == &best);
    if (isSupported(impl, bitbench::cpuFeatures())) {
      const KernelTable* table = impl.table(bitbench::cpuFeatures());
      entry.Set("fusedKernel", table->fusedKernelName);
      entry.Set("bf16Kernel", table->denseBf16KernelName);
      entry.Set("i8Kernel", impl.i8Table(bitbench::cpuFeatures())->name);
    }
    out.Set(static_cast<uint32_t>(i), entry);
  }
  return out;
}

Napi::Value buildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("architecture", buildArchitecture());
  out.Set("blas", blasAvailable() ? Napi::String::New(env, blasDescription()) : env.Null());
#if defined(__VERSION__)
  out.Set("compiler", __VERSION__);
#endif
  out.Set("hardwareThreads", ThreadPool::hardwareThreads());
  return out;
}

}  // namespace bitbench::binding
