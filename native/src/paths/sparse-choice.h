// When the sparse kernels (activation sparsity) run instead of the dense ones, and where their
// copy of the weights sits in a path's prepared buffer.
#pragma once
#include <cstddef>

#include "../kernels/ternary-layout.h"
#include "compute-path.h"

namespace bitbench {

// Fraction of all-zero column blocks from which the sparse GEMV runs. Measured on Zen 4
// (AVX-512 VNNI fused-i8, 4096 x 4096, batch 1, 2 threads, cold, sparse and dense calls
// interleaved, medians of 5-7 runs on a shared host): 12.5% and 19% zero blocks ran at
// 0.94-0.95x dense (the sparse kernel's partials round-trip through L1, the dense kernel's
// do not), 31% at 1.0-1.18x, 50% at 1.3-1.9x. Below a quarter the dense kernel keeps its edge.
constexpr double kSparseMinZeroBlocks = 0.25;
// The same for fp32 `fused`. Measured as above, one run each, when its sparse kernels were the
// dense ones skipping the groups of zero blocks on the dense layout: hot, 12.5% zero blocks ran
// at 1.04x (AVX-512) and 1.08x (AVX2), 30% at 1.27x and 1.35x, 50% at 1.66x and 1.75x; cold,
// 0.92-1.07x at every share (the prefetcher read the skipped bytes anyway). AVX-512 and AVX2
// now read a column-panel copy (avx512-triples.inl, avx2-split-triples.inl): cold (2 GB pool),
// 4096 x 4096, Sapphire Rapids: AVX-512 28% zero blocks 1.02x, 45% 1.29x; AVX2 1.11x, 1.45x.
// From a quarter, as fused-i8.
constexpr double kSparseMinZeroBlocksF32 = 0.25;

// The column-block copy follows the dense one on a page boundary: its 4 KiB chunks are pages.
inline size_t sparseCopyOffset(size_t denseBytes) { return roundUp(denseBytes, 4096); }

// Records one batch-1 call's measurement and says whether it runs sparse.
inline bool chooseSparse(SparsityCounters& counters, size_t blocks, size_t nonzeroBlocks, double zeroValues,
                         double minZeroBlocks) {
  const double zeroBlocks = blocks ? 1.0 - static_cast<double>(nonzeroBlocks) / static_cast<double>(blocks) : 0.0;
  const bool sparse = zeroBlocks >= minZeroBlocks;
  ++counters.calls;
  counters.sparseCalls += sparse;
  counters.zeroBlocks += zeroBlocks;
  counters.zeroValues += zeroValues;
  return sparse;
}

}  // namespace bitbench
