// A kernel request read from JS on the main thread: everything a worker thread needs, with
// no reference to JS values.
#pragma once
#include <napi.h>

#include <cstdint>
#include <vector>

#include "../paths/compute-path.h"
#include "../timing/benchmark-loop.h"

namespace bitbench::binding {

// Limits that keep every size product far from overflow; real models stay well inside.
constexpr size_t kMaxDimension = size_t{1} << 20;
constexpr size_t kMaxBatch = 65536;

struct KernelSpec {
  PathConfig path;
  unsigned threads;
  std::vector<uint8_t> packed;  // empty: synthetic weights from `seed`
};

// Reads path, isa, n, k, batch, threads, scale, useBlas, sparseKernel. Throws TypeError/RangeError naming
// the field, or an Error with code ERR_BITBENCH_ISA_UNSUPPORTED.
KernelSpec readKernelSpec(const Napi::Object& spec, size_t maxBatch);

// spec.isa as an implementation this CPU supports: an unknown name is a RangeError, one the
// CPU lacks an Error with code ERR_BITBENCH_ISA_UNSUPPORTED (never a SIGILL later).
const Implementation& requireSupportedIsa(const Napi::Object& spec);

// runKernel: packed and x are required.
struct RunSpec {
  KernelSpec kernel;
  size_t batch;
  std::vector<float> x;
};
RunSpec readRunSpec(const Napi::CallbackInfo& info);

// benchmarkKernel: packed is optional.
struct BenchmarkSpec {
  KernelSpec kernel;
  BenchmarkOptions options;
};
BenchmarkSpec readBenchmarkSpec(const Napi::CallbackInfo& info);

}  // namespace bitbench::binding
