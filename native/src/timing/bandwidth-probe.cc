#include "bandwidth-probe.h"

#include <chrono>
#include <cstring>

#include "../runtime/aligned-buffer.h"
#include "../runtime/thread-pool.h"

namespace bitbench {

namespace {
constexpr size_t kColumns = 4096;
}  // namespace

namespace {

// STREAM's triad on three arrays of bytes / 3 each; the compiler vectorizes it for the
// baseline target, which is enough to saturate memory.
std::vector<double> triadPasses(size_t bytes, unsigned threads, size_t passes) {
  const size_t count = bytes / 3 / sizeof(float) / 64 * 64;
  AlignedBuffer a(count * sizeof(float)), b(count * sizeof(float)), c(count * sizeof(float));
  float* pa = a.as<float>();
  const float* pb = b.as<float>();
  const float* pc = c.as<float>();
  ThreadPool::shared().parallel(threads, [&](unsigned index, unsigned total) {
    const RowRange range = splitRows(count, 64, index, total);
    for (size_t i = range.begin; i < range.end; ++i) {
      pa[i] = 0;
      b.as<float>()[i] = 1;
      c.as<float>()[i] = 2;
    }
  });
  std::vector<double> result;
  for (size_t pass = 0; pass < passes; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    ThreadPool::shared().parallel(threads, [&](unsigned index, unsigned total) {
      const RowRange range = splitRows(count, 64, index, total);
      for (size_t i = range.begin; i < range.end; ++i) pa[i] = pb[i] + 3.0f * pc[i];
    });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.push_back(3.0 * static_cast<double>(count * sizeof(float)) / seconds / 1e9);
  }
  return result;
}

}  // namespace

BandwidthSample measureBandwidthSample(const KernelTable& table, size_t bytes, unsigned threads, size_t passes) {
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
  sample.triadGBs = triadPasses(bytes, threads, passes);
  return sample;
}

}  // namespace bitbench
