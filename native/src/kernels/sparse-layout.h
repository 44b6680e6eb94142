// The column-block layout of the sparse kernels (activation sparsity): the code planes of
// i8-layout.h in one tile of all n rows, so each column block (4 * planeBytes columns) holds
// its n rows one after another: [block][row][planeBytes]. A block of activations that is all
// zero skips n * planeBytes contiguous bytes, pages that are never touched, so neither the
// loads nor the hardware prefetcher bring them in; a listed block is one long sequential
// stream per thread (its rows), which the hardware prefetcher follows without help.
// Plain constants and C types only: ISA translation units include this (kernel-table.h).
#pragma once
#include <cstddef>
#include <cstdint>

#include "stream-split.h"

namespace bitbench {

// Rows one pass of the sparse fused-i8 kernel takes across all listed blocks, their int32
// accumulators kept in thread scratch between blocks: streams of up to 256 KiB per block
// (64-byte planes), and at most 256 KiB of accumulators (one 64-byte vector per row), which
// stay in L2 (128 KiB of 32-byte ones on AVX2, against Zen 3's 512 KiB). Zen 4, 4096x4096
// cold at 30% zero blocks, one thread: 1.14x dense with groups of 1024 rows, 1.20x with 4096
// (two threads: equal at 2B-4T's 6912x2560, 1.66x -> 1.74x at 50%).
constexpr size_t kSparseRowGroup = 4096;
// The accumulators' offset within a page is chosen against the weights' (i8-sparse-tiles.inl):
// up to a page more of scratch, and alignment.
constexpr size_t kSparseAliasPage = 4096;
constexpr size_t kSparseThreadScratchBytes = kSparseRowGroup * 64 + 2 * kSparseAliasPage;

size_t sparsePreparedBytes(size_t n, size_t k, size_t planeBytes);
void repackSparseBlocks(const uint8_t* packed, size_t n, size_t k, size_t planeBytes, uint8_t* out);

// Bytes from one column block to the next: its n rows of planes, and a page more where that
// would be a multiple of 64 KiB. The kernel reads four listed blocks at once as parallel
// streams, and streams a multiple of 64 KiB apart read slower cold (stream-split.h): Emerald
// Rapids, 4096x4096 (256 KiB blocks), 2 threads, cold, `bitbench kernel` alternating builds,
// avx512-vnni: 30% zero blocks 0.169 -> 0.152 ms, 50% 0.134 -> 0.116 ms; avx2 at 50% 0.115 ->
// 0.109 ms; hot alike. 2B-4T's blocks (2560 and 6912 rows) are not such multiples.
static inline size_t sparseBlockStride(size_t n, size_t planeBytes) {
  const size_t bytes = n * planeBytes;
  return bytes % kStreamAliasBytes == 0 ? bytes + kSparseAliasPage : bytes;
}

// Offset in bytes of (block, row) in the layout.
static inline size_t sparsePlaneOffset(size_t block, size_t row, size_t n, size_t planeBytes) {
  return block * sparseBlockStride(n, planeBytes) + row * planeBytes;
}

// Writes the indexes of the column blocks (blockColumns activations each, `blocks` of them)
// that hold a nonzero value; returns how many.
size_t nonzeroBlocksI8(const int8_t* q, size_t blocks, size_t blockColumns, uint32_t* out);
size_t nonzeroBlocksF32(const float* x, size_t blocks, size_t blockColumns, uint32_t* out);
// How many of x's k values are zero (+0.0 or -0.0).
size_t zeroCountF32(const float* x, size_t k);

}  // namespace bitbench
