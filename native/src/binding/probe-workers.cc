// The compute probe's binding: argument reading on the main thread, the timed loops on a
// worker thread (a probe runs for tens of milliseconds per figure).
#include "probe-workers.h"

#include <memory>

#include "../dispatch/implementations.h"
#include "../probe/compute-probe.h"
#include "../runtime/thread-pool.h"
#include "arguments.h"
#include "kernel-spec.h"
#include "promise-worker.h"

namespace bitbench::binding {

namespace {

constexpr const char* kOutOfMemory = "Out of memory in the compute probe";

Napi::Array toArray(Napi::Env env, const std::vector<double>& values) {
  Napi::Array out = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); ++i) out.Set(static_cast<uint32_t>(i), values[i]);
  return out;
}

// As kernel specs read an ISA: an unknown name is a RangeError, one this CPU lacks an Error
// with the code the TypeScript side maps (never a SIGILL in the loop).
const ComputeProbe& readProbe(const Napi::Object& spec) {
  const std::string name = requireSupportedIsa(spec).name;
  const ComputeProbe* probe = computeProbeFor(name.c_str());
  if (probe == nullptr) throw Napi::RangeError::New(spec.Env(), "No compute probe for isa '" + name + "' in this build");
  return *probe;
}

}  // namespace

Napi::Value computeProbes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t count = 0;
  for (const Implementation& impl : allImplementations()) {
    const ComputeProbe* probe = computeProbeFor(impl.name);
    if (probe == nullptr || !isSupported(impl, bitbench::cpuFeatures())) continue;
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("isa", impl.name);
    entry.Set("fp32Instruction", probe->fp32Instruction);
    entry.Set("int8Instruction", probe->int8Instruction);
    out.Set(count++, entry);
  }
  return out;
}

Napi::Value measurePeak(const Napi::CallbackInfo& info) {
  const Napi::Object spec = requireObject(info, 0, "spec");
  const ComputeProbe& probe = readProbe(spec);
  const std::string kindName = optionalChoice(spec, "kind", {"fp32", "int8"}, "");
  if (kindName.empty()) requireString(spec, "kind");
  const PeakKind kind = kindName == "fp32" ? PeakKind::kFp32 : PeakKind::kInt8;
  const unsigned threads = static_cast<unsigned>(requireInteger(spec, "threads", 1, ThreadPool::kMaxThreads));
  const double targetSeconds = optionalNumber(spec, "targetMs", 1, 10000, 20) / 1e3;
  const size_t passes = optionalInteger(spec, "passes", 1, 100, 3);
  auto result = std::make_shared<std::vector<double>>();
  const ComputeProbe* chosen = &probe;
  auto* worker = new TaskWorker(
      info.Env(), [=] { *result = bitbench::measurePeak(*chosen, kind, threads, targetSeconds, passes); },
      [=](Napi::Env env) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("opsPerSecond", toArray(env, *result));
        return out;
      },
      kOutOfMemory);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

Napi::Value measureClock(const Napi::CallbackInfo& info) {
  const Napi::Object spec = requireObject(info, 0, "spec");
  const unsigned threads = static_cast<unsigned>(requireInteger(spec, "threads", 1, ThreadPool::kMaxThreads));
  const double targetSeconds = optionalNumber(spec, "targetMs", 1, 10000, 20) / 1e3;
  const size_t passes = optionalInteger(spec, "passes", 1, 100, 3);
  auto result = std::make_shared<std::vector<double>>();
  auto* worker = new TaskWorker(
      info.Env(), [=] { *result = measureClockGHz(threads, targetSeconds, passes); },
      [=](Napi::Env env) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("ghz", toArray(env, *result));
        return out;
      },
      kOutOfMemory);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace bitbench::binding
