#include "compute-probe.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "../runtime/thread-pool.h"

namespace bitbench {

namespace {

// Where an ISA shares another's fp32 instruction (amx-int8, avx512-vnni and avx512), it shares
// the loop.
const ComputeProbe kProbes[] = {
#if defined(BITBENCH_HAVE_X86_KERNELS)
    {"amx-int8", "vfmadd231ps zmm", avx512Fp32Peak, "tdpbusd tmm", amxInt8Peak},
    {"avx512-vnni", "vfmadd231ps zmm", avx512Fp32Peak, "vpdpbusd zmm", avx512VnniInt8Peak},
    {"avx512", "vfmadd231ps zmm", avx512Fp32Peak, "vpmaddubsw+vpmaddwd zmm", avx512Int8Peak},
    {"avx-vnni", "vfmadd231ps ymm", avx2Fp32Peak, "vpdpbusd ymm (VEX)", avxVnniInt8Peak},
    {"avx2", "vfmadd231ps ymm", avx2Fp32Peak, "vpmaddubsw+vpmaddwd ymm", avx2Int8Peak},
#endif
#if defined(BITBENCH_HAVE_NEON_KERNELS)
    {"neon-dotprod", "fmla v.4s", neonFp32Peak, "sdot v.4s", neonDotprodInt8Peak},
    {"neon", "fmla v.4s", neonFp32Peak, "smull+sadalp", neonInt8Peak},
#endif
    {"scalar", "scalar mul+add", scalarFp32Peak, "scalar imul+add", scalarInt8Peak},
};

// One sink per thread, a cache line apart: the loops write theirs once, at the end.
struct alignas(64) Sink {
  float value;
};

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Rounds that take about `targetSeconds`: double from a small count until a pass is long
// enough to time (2 ms), then scale. The doubling passes are the warm-up.
template <class Pass>
uint64_t calibrate(Pass&& pass, double targetSeconds) {
  uint64_t rounds = 1024;
  for (;;) {
    const double seconds = pass(rounds);
    if (seconds >= 2e-3 || rounds >= (uint64_t{1} << 40)) {
      const double scaled = static_cast<double>(rounds) * targetSeconds / std::max(seconds, 1e-9);
      return std::max<uint64_t>(1, static_cast<uint64_t>(scaled));
    }
    rounds *= 2;
  }
}

#if defined(__x86_64__)
// 16 dependent register adds per iteration: 16 cycles on any core (no x86 core folds a
// register-register add at rename), while the loop's own increment and branch run beside them.
uint64_t addChain(uint64_t iterations) {
  uint64_t x = 0;
  const uint64_t one = 1;
  for (uint64_t i = 0; i < iterations; ++i) {
    __asm__ volatile(
        "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
        "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
        "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
        "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0"
        : "+r"(x)
        : "r"(one));
  }
  return x;
}
constexpr bool kHaveAddChain = true;
#elif defined(__aarch64__)
uint64_t addChain(uint64_t iterations) {
  uint64_t x = 0;
  const uint64_t one = 1;
  for (uint64_t i = 0; i < iterations; ++i) {
    __asm__ volatile(
        "add %0, %0, %1\n\tadd %0, %0, %1\n\tadd %0, %0, %1\n\tadd %0, %0, %1\n\t"
        "add %0, %0, %1\n\tadd %0, %0, %1\n\tadd %0, %0, %1\n\tadd %0, %0, %1\n\t"
        "add %0, %0, %1\n\tadd %0, %0, %1\n\tadd %0, %0, %1\n\tadd %0, %0, %1\n\t"
        "add %0, %0, %1\n\tadd %0, %0, %1\n\tadd %0, %0, %1\n\tadd %0, %0, %1"
        : "+r"(x)
        : "r"(one));
  }
  return x;
}
constexpr bool kHaveAddChain = true;
#else
uint64_t addChain(uint64_t) { return 0; }
constexpr bool kHaveAddChain = false;
#endif
constexpr double kAddsPerIteration = 16;

}  // namespace

const ComputeProbe* computeProbeFor(const char* isa) {
  for (const ComputeProbe& probe : kProbes) {
    if (std::strcmp(probe.isa, isa) == 0) return &probe;
  }
  return nullptr;
}

std::vector<double> measurePeak(const ComputeProbe& probe, PeakKind kind, unsigned threads, double targetSeconds,
                                size_t passes) {
  const PeakLoop loop = kind == PeakKind::kFp32 ? probe.fp32 : probe.int8;
  std::vector<Sink> sinks(threads);
  std::vector<double> opsPerThread(threads);
  std::vector<double> seconds(threads);
  // Each thread times its own loop: a worker woken late does not count its wait as work.
  auto pass = [&](uint64_t rounds) {
    ThreadPool::shared().parallel(threads, [&](unsigned index, unsigned) {
      const auto start = std::chrono::steady_clock::now();
      opsPerThread[index] = loop(rounds, &sinks[index].value);
      seconds[index] = secondsSince(start);
    });
    return *std::max_element(seconds.begin(), seconds.end());
  };
  const uint64_t rounds = calibrate(pass, targetSeconds);
  std::vector<double> result;
  for (size_t p = 0; p < passes; ++p) {
    pass(rounds);
    double rate = 0;
    for (unsigned t = 0; t < threads; ++t) rate += opsPerThread[t] / seconds[t];
    result.push_back(rate);
  }
  return result;
}

std::vector<double> measureClockGHz(unsigned threads, double targetSeconds, size_t passes) {
  if (!kHaveAddChain) return {};
  std::vector<double> seconds(threads);
  std::vector<uint64_t> sinks(threads * 8);
  auto pass = [&](uint64_t iterations) {
    ThreadPool::shared().parallel(threads, [&](unsigned index, unsigned) {
      const auto start = std::chrono::steady_clock::now();
      sinks[index * 8] = addChain(iterations);
      seconds[index] = secondsSince(start);
    });
    return *std::max_element(seconds.begin(), seconds.end());
  };
  const uint64_t iterations = calibrate(pass, targetSeconds);
  std::vector<double> result;
  for (size_t p = 0; p < passes; ++p) {
    pass(iterations);
    // The fastest thread: a thread descheduled for part of the pass would read a slow clock.
    const double fastest = *std::min_element(seconds.begin(), seconds.end());
    result.push_back(kAddsPerIteration * static_cast<double>(iterations) / fastest / 1e9);
  }
  return result;
}

}  // namespace bitbench
