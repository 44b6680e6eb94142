// When the sparse kernels (activation sparsity) run instead of the dense ones, and where their
// copy of the weights sits in a path's prepared buffer.
#pragma once
#include <cstddef>

#include "../kernels/ternary-layout.h"
#include "compute-path.h"

namespace bitbench {

// Fraction of all-zero column blocks from which the sparse GEMV runs. Measured on Zen 4
// (fused-i8, 4096 x 4096, batch 1, 2 threads, cold, sparse and dense calls interleaved,
// medians of 6 rounds on a shared host), the kernel of long streams (i8-sparse-tiles.inl):
// 12.5% zero blocks ran at 1.04x dense (avx512-vnni) and 1.01x (avx2), 19% at 1.06x and 1.08x,
// 30% at 1.25-1.32x and 1.19-1.23x. (Its 4 KiB-chunk predecessor ran 0.94-0.95x at 12.5-19%
// and started at a quarter.)
constexpr double kSparseMinZeroBlocks = 0.15;
// The same for fp32 `fused`. Measured as above, one run each, when its sparse kernels were the
// dense ones skipping the groups of zero blocks on the dense layout: hot, 12.5% zero blocks ran
// at 1.04x (AVX-512) and 1.08x (AVX2), 30% at 1.27x and 1.35x, 50% at 1.66x and 1.75x; cold,
// 0.92-1.07x at every share (the prefetcher read the skipped bytes anyway). AVX-512 and AVX2
// now read a column-panel copy (avx512-triples.inl, avx2-quintets.inl): cold (2 GB pool),
// 4096 x 4096, Sapphire Rapids: AVX-512 28% zero blocks 1.02x, 45% 1.29x (with its copy chunked
// and read ahead, 1.22x and 1.48x); AVX2 1.11x, 1.45x (read ahead, 1.16x and 1.50x).
// With both read ahead (same machine and setting, one run each): 23% zero blocks 1.10x (AVX-512)
// and 1.09x (AVX2), 6912 x 2560 on AVX2 1.10x, 4096 x 2560 1.08x; 17% 1.02-1.03x and 1.02x; 11%
// 0.98x and 0.95x. From a fifth (a quarter before the read-ahead: 6912 x 2560 at 23% ran dense).
// AVX2's sign-bit kernel (AMD before Zen 4) reads a panel copy too (fused-pair-panels.inl):
// Zen 3, 4096 x 4096, 2 threads, cold, 25% zero blocks 1.22x, 30% 1.33-1.39x, 50% 1.67-1.81x.
// Measured again after the panel kernels' constant-stride walks and own sums buffers (Sapphire
// Rapids, 2 threads, cold, one run each): 4096 x 4096 at 11% and 17% zero panels 1.04x and
// 1.12x (AVX2), 1.01-1.05x and 1.09-1.10x (AVX-512); at 12-16%, AVX2's 2560 x 2560 0.84x, 640 x
// 2560 0.82x, 2560 x 6912 1.01x, 6912 x 2560 1.12x, AVX-512's 6912 x 2560 0.92x. So a fifth stays.
constexpr double kSparseMinZeroBlocksF32 = 0.2;

// Fraction of zero activations (one by one) from which fused-i8 runs its column-stripe kernel
// when too few column blocks are all zero (stripe-layout.h), and the rows a matrix needs for
// it (shorter stripes are runs too short to skip). Sapphire Rapids, avx512-vnni, 2 threads,
// cold, sparse against dense interleaved, medians of 9: 2560 x 2560 at 30/40/50/60/80% zero
// 0.86/0.87/1.02/1.14/1.78x; 6912 x 2560 0.91/1.04/1.18/1.43/2.41x; 2560 x 6912 (the FFN's
// down projection, whose input the squared ReLU zeroes) -/1.09/1.20/1.30/2.27x; at 50%,
// 640/1024/2048 rows x 2560: 0.85/1.11/1.30x (640 rows at 80%: 1.35x). The 256-bit kernels
// at 50% (avx2, avx-vnni): 2560 x 2560 0.83x, 0.93x; 6912 x 2560 1.04x, 1.30x; 2560 x 6912
// 1.21x, 1.12x; 4096 x 4096 1.04x, 1.20x: about the same threshold.
constexpr double kStripeMinZeroColumns = 0.45;
constexpr size_t kStripeMinRows = 1024;
// A lower share where the weights come from memory at every call was tried on Zen 4 (stop 37).
// Cold, interleaved with dense, the AVX-512 stripes ran 1.05-1.20x at 20-30% zeros while the
// shared host left about 30 GB/s. But the 2B-4T decode with top-k 0.7 (then on stripes on every
// layer of 1024 rows) depended on the host's memory speed: 1.08-1.09x dense in five runs where
// dense read 29-33 GB/s, 0.97-0.99x in three at 37-48 GB/s, 0.90-0.94x in four at 49-55 GB/s.
// The 45% share gave 1.01-1.03x in each of six runs. The stripes cost more work per byte than
// the dense kernel, so no fixed share suits both. A choice by each path's measured call times
// was tried on Zen 5 (stop 41, 2 threads): from 25% to 45% zeros each matrix ran dense and
// the stripes by turns for four calls, then the one whose least span (first thread's start to
// last thread's end) over its last four calls was lower, the other one call in 32. In the
// 2B-4T decode at top-k 0.7 it was no better: against interleaved dense steps, 64 tokens,
// alternated with this share over 10 runs each, 0.977-1.010x (median 0.991x) against
// 0.993-1.039x (1.008x) in processes that read memory at full speed, where the stripes' calls
// on the 30% inputs spanned about 1.5x dense's and the four first calls and the misreadings of
// noisy calls cost more than the tries; 0.977-1.065x against 1.041-1.048x in slow ones. With
// those inputs forced onto the stripes: 0.95x at full speed, 1.01-1.07x in four slower runs.

// The column-block copy follows the dense one on a page boundary.
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
  if (sparse) counters.skipped += zeroBlocks;
  return sparse;
}

}  // namespace bitbench
