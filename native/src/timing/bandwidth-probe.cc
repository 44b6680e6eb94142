#include "bandwidth-probe.h"

#include <chrono>
#include <cstring>

#include "../runtime/aligned-buffer.h"
#include "../runtime/thread-pool.h"

namespace bitbench {

namespace {
constexpr size_t kColumns = 4096;
}  // namespace

BandwidthSample measureReadBandwidth(const KernelTable& table, size_t bytes, unsigned threads, size_t passes) {
  const size_t rows = bytes / (kColumns * sizeof(float)) / 64 * 64;
  AlignedBuffer matrix(rows * kColumns * sizeof(float));
  AlignedBuffer x(kColumns * sizeof(float));
  AlignedBuffer y(rows * sizeof(float));
  std::memset(x.as<void>(), 0, x.bytes());
  float* weights = matrix.as<float>();
  // Touch every page first (in parallel) so the passes measure reads, not page faults.
  ThreadPool::shared().parallel(threads, [&](unsigned index, unsigned count) {
    const RowRange range = splitRows(rows, 16, index, count);
    std::memset(weights + range.begin * kColumns, 0, (range.end - range.begin) * kColumns * sizeof(float));
  });
  const KernelCall base{rows, kColumns, x.as<float>(), kColumns, 1, 1.0f, y.as<float>(), 0, rows};
  BandwidthSample sample;
  for (size_t pass = 0; pass < passes; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    ThreadPool::shared().parallel(threads, [&](unsigned index, unsigned count) {
      const RowRange range = splitRows(rows, 16, index, count);
      KernelCall call = base;
      call.rowBegin = range.begin;
      call.rowEnd = range.end;
      if (range.begin < range.end) table.denseF32Run(weights, kColumns, call);
    });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    sample.readGBs.push_back(static_cast<double>(matrix.bytes()) / seconds / 1e9);
  }
  return sample;
}

}  // namespace bitbench
