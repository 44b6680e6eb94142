// The column-block layout of the sparse kernels (activation sparsity): the code planes of
// i8-layout.h, with tiles of kSparseChunkBytes / planeBytes rows instead of a few. One
// (tile, column block) -- the weights of a tile's rows in one block of 4 * planeBytes columns --
// is then one contiguous 4 KiB chunk, and the chunks of a tile follow each other block by
// block. A block of activations that is all zero skips a whole chunk: pages that are never
// touched, so neither the loads nor the hardware prefetcher bring them in (the dense layout's
// tiles of 4 rows would skip 256 bytes inside a stream the prefetcher reads anyway).
// Plain constants and C types only: ISA translation units include this (kernel-table.h).
#pragma once
#include <cstddef>
#include <cstdint>

namespace bitbench {

constexpr size_t kSparseChunkBytes = 4096;

constexpr size_t sparseRowTile(size_t planeBytes) { return kSparseChunkBytes / planeBytes; }

size_t sparsePreparedBytes(size_t n, size_t k, size_t planeBytes);
void repackSparseBlocks(const uint8_t* packed, size_t n, size_t k, size_t planeBytes, uint8_t* out);

// Writes the indexes of the column blocks (blockColumns activations each, `blocks` of them)
// that hold a nonzero value; returns how many.
size_t nonzeroBlocksI8(const int8_t* q, size_t blocks, size_t blockColumns, uint32_t* out);
size_t nonzeroBlocksF32(const float* x, size_t blocks, size_t blockColumns, uint32_t* out);

}  // namespace bitbench
