#include "benchmark-loop.h"

#include <chrono>
#include <cmath>
#include <cstring>

#include "../runtime/aligned-buffer.h"
#include "../runtime/synthetic-data.h"
#include "../runtime/zeroed-blocks.h"

namespace bitbench {

namespace {
using Clock = std::chrono::steady_clock;

double elapsedNs(Clock::time_point start) {
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
}

// Page-aligned copies, so no two copies share a cache line or a page.
size_t copyStride(size_t preparedBytes) { return (preparedBytes + 4095) / 4096 * 4096; }
}  // namespace

BenchmarkOutcome runBenchmark(ComputePath& path, const uint8_t* packed, const BenchmarkOptions& options) {
  BenchmarkOutcome outcome;
  const PathConfig& config = path.config();
  outcome.preparedBytes = path.preparedBytes();
  outcome.readBytes = path.readBytes();
  const size_t stride = copyStride(outcome.preparedBytes);
  outcome.copies = 1;
  if (options.cold) {
    outcome.copies = (options.coldBytes + stride - 1) / stride;
    if (outcome.copies < 2) outcome.copies = 2;
  }
  outcome.footprintBytes = outcome.copies * stride;

  AlignedBuffer weights(outcome.footprintBytes);
  uint8_t* base = weights.as<uint8_t>();
  const Clock::time_point prepareStart = Clock::now();
  path.prepare(packed, base);
  outcome.prepareNs = elapsedNs(prepareStart);
  // The other copies are byte-identical; copying them is setup, not preparation.
  for (size_t i = 1; i < outcome.copies; ++i) std::memcpy(base + i * stride, base, outcome.preparedBytes);

  AlignedBuffer x(options.batch * config.k * sizeof(float));
  syntheticActivations(options.seed, options.batch * config.k, x.as<float>());
  if (options.sparsity > 0)
    outcome.zeroFraction =
        options.scatteredSparsity
            ? zeroActivationValues(options.seed, options.sparsity, options.batch, config.k, x.as<float>())
            : zeroActivationBlocks(options.seed, options.sparsity, options.batch, config.k, path.sparseBlockColumns(),
                                   x.as<float>());
  const bool againstDense = options.sparsity > 0 && path.hasSparseKernel();
  AlignedBuffer y(options.batch * config.n * sizeof(float));

  size_t next = 0;
  auto call = [&] {
    path.run(base + next * stride, x.as<float>(), options.batch, y.as<float>(), options.threads);
    next = (next + 1) % outcome.copies;
  };
  auto denseCall = [&] {
    path.setSparseAllowed(false);
    const Clock::time_point start = Clock::now();
    call();
    const double ns = elapsedNs(start);
    path.setSparseAllowed(true);
    return ns;
  };
  for (size_t i = 0; i < options.warmup; ++i) {
    call();
    if (againstDense) denseCall();
  }
  path.resetSparsity();
  if (againstDense) outcome.denseSamplesNs.reserve(options.maxSamples);

  outcome.samplesNs.reserve(options.maxSamples);
  double timedNs = 0;
  // Welford's running mean and variance, for the coefficient of variation.
  double mean = 0, squares = 0;
  auto keepSampling = [&] {
    const size_t n = outcome.samplesNs.size();
    if (n >= options.maxSamples) return false;
    if (n < options.minSamples || timedNs < options.minTimeNs) return true;
    if (options.targetCv <= 0 || timedNs >= options.maxTimeNs || n < 2) return false;
    const double cv = std::sqrt(squares / static_cast<double>(n - 1)) / mean;
    return cv > options.targetCv;
  };
  while (keepSampling()) {
    const Clock::time_point start = Clock::now();
    call();
    const double ns = elapsedNs(start);
    outcome.samplesNs.push_back(ns);
    timedNs += ns;
    const double delta = ns - mean;
    mean += delta / static_cast<double>(outcome.samplesNs.size());
    squares += delta * (ns - mean);
    if (againstDense) outcome.denseSamplesNs.push_back(denseCall());
  }
  outcome.sparsity = path.sparsity();
  if (againstDense) call();  // the outputs summed below are the sparse kernel's
  const float* out = y.as<float>();
  for (size_t i = 0; i < options.batch * config.n; ++i) outcome.checksum += out[i];
  return outcome;
}

}  // namespace bitbench
