// The timing loop: prepare once (timed apart), warm up, then time every call. Runs entirely
// in native code so that no sample includes a JS boundary crossing.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../paths/compute-path.h"

namespace bitbench {

struct BenchmarkOptions {
  size_t batch;
  unsigned threads;
  // Cold: rotate through copies of the prepared weights that together span coldBytes, so
  // each call reads its weights from memory rather than cache, as a model's layers do.
  bool cold;
  size_t coldBytes;
  size_t warmup;
  size_t minSamples;
  size_t maxSamples;
  // Keep sampling past minSamples until this much time was spent timing calls.
  double minTimeNs;
  // Then, while the coefficient of variation is above targetCv (0: no target), add samples
  // until maxTimeNs of timed calls (the "add runs while noisy" rule).
  double targetCv;
  double maxTimeNs;
  uint64_t seed;
  // Fraction of the activations zeroed, in aligned blocks of the path's sparse kernel
  // (ComputePath::sparseBlockColumns, zeroed-blocks.h);
  // 0: none. With a path that has a sparse kernel, each sample is followed by a dense call
  // on the same activations (interleaved, so both see the same machine).
  double sparsity = 0;
  // Zero values one by one instead (zeroActivationValues): the shape top-k leaves.
  bool scatteredSparsity = false;
};

struct BenchmarkOutcome {
  double prepareNs = 0;
  size_t preparedBytes = 0;
  // What one dense call reads: preparedBytes less a sparse kernel's copy.
  size_t readBytes = 0;
  size_t copies = 0;
  size_t footprintBytes = 0;
  std::vector<double> samplesNs;
  // Sum of the last call's outputs: keeps the work observable and lets runs be compared.
  double checksum = 0;
  // With options.sparsity: the fraction of activation values zero, the dense calls' samples
  // (empty without a sparse kernel) and what the timed calls measured and chose.
  double zeroFraction = 0;
  std::vector<double> denseSamplesNs;
  SparsityCounters sparsity;
};

BenchmarkOutcome runBenchmark(ComputePath& path, const uint8_t* packed, const BenchmarkOptions& options);

}  // namespace bitbench
