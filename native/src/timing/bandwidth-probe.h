// Memory read bandwidth, the roofline of memory-bound decoding: a GEMV through the active
// ISA's dense fp32 kernel over a matrix much larger than the caches. A strong streaming
// kernel (wide loads, several rows in flight per thread) is what the dense paths reach, so
// the roofline is one they could meet; a plain scalar read loop would set it too low.
#pragma once
#include <cstddef>
#include <vector>

#include "../kernels/kernel-table.h"

namespace bitbench {

struct BandwidthSample {
  std::vector<double> readGBs;   // one per pass
  std::vector<double> triadGBs;  // a[i] = b[i] + s c[i], counting three arrays of traffic (STREAM)
};

BandwidthSample measureBandwidthSample(const KernelTable& table, size_t bytes, unsigned threads, size_t passes);

}  // namespace bitbench
