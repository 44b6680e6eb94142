// The packed ternary format (DESIGN.md, public contract) and the row-tile layout the SIMD
// fused kernels repack it into once, at preparation.
//
// Public format: code c = w + 1 in {0, 1, 2}, four per byte, row-major, row stride
// ceil(k / 4) bytes, column 4j + m at bits (6 - 2m), padding code 1.
//
// Row-tile layout (rows per tile R = the SIMD lane count): tiles of R rows, groups of 16
// columns; for tile t and group g, R consecutive uint32 words, word r holding the codes of
// row tR + r, columns 16g .. 16g + 15, column 16g + s at bits 2s: the R words of (t, g)
// start at word (t * groups + g) * R, so each tile is one contiguous run. Rows and columns
// past the matrix hold code 1 (zero), so kernels never need a remainder case for weights.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "kernel-table.h"

namespace bitbench {

constexpr int kCodeZero = 1;
constexpr int kCodeInvalid = 3;

inline size_t packedRowBytes(size_t k) { return (k + 3) / 4; }
inline size_t packedBytes(size_t n, size_t k) { return n * packedRowBytes(k); }
inline size_t roundUp(size_t value, size_t multiple) { return (value + multiple - 1) / multiple * multiple; }

inline int packedCode(const uint8_t* packed, size_t k, size_t row, size_t col) {
  const uint8_t byte = packed[row * packedRowBytes(k) + col / 4];
  return (byte >> (6 - 2 * (col % 4))) & 3;
}

// Throws std::invalid_argument naming the first byte that holds code 3, or a padding code
// other than 1.
void validatePacked(const uint8_t* packed, size_t n, size_t k);

size_t rowTileBytes(size_t n, size_t k, size_t rowsPerTile);
void repackRowTiles(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out);
// The same words in column panels (kernel-table.h, panelWordOffset): the sparse copy of AVX2's
// sign-bit kernel.
void repackRowPanels(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out);

// Triple-tile layout: as the row-tile layout, but each 32-bit word holds 18 columns as six
// 5-bit indexes c0 + 3 c1 + 9 c2 (codes of columns 3t, 3t+1, 3t+2 of the group) at bits 5t.
// The panel variant holds the same words in chunked column panels (kernel-table.h,
// chunkedPanelWordOffset).
size_t tripleTileBytes(size_t n, size_t k, size_t rowsPerTile);
void repackTripleTiles(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out);
void repackTriplePanels(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out);

// Split-triple layout: as the row-tile layout, but each 32-bit word holds 15 columns as five
// triples, triple t (columns 3t, 3t+1, 3t+2 of the group, codes c0 c1 c2) as two 3-bit
// indexes, each of which a vpermps looks up in an 8-entry table:
//   bits 6t..6t+2:   the pair index of (c0, c1): p = c0 + 3 c1, less one past 6, for every
//                    pair but (-1, +1) (p = 6), which is stored as (+1, -1) (index 2);
//   bits 6t+3..6t+5: c2 + 3 when the pair was (-1, +1), else c2.
// The second table adds the correction 2 (x1 - x0) that turns a - b back into b - a. Bits 30
// and 31 are zero.
uint32_t splitTripleIndexes(uint32_t c0, uint32_t c1, uint32_t c2);
size_t splitTripleTileBytes(size_t n, size_t k, size_t rowsPerTile);
void repackSplitTripleTiles(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out);
// The same words in column panels (kernel-table.h, panelWordOffset): AVX2's sparse copy.
void repackSplitTriplePanels(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out);

// Columns a fused layout's words cover: activations are zero-padded at least that far.
size_t fusedColumnMultiple(FusedLayout layout);
size_t fusedPreparedBytes(FusedLayout layout, size_t n, size_t k, size_t rowsPerTile);
void repackFused(FusedLayout layout, const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile,
                 uint8_t* out);

// Dense weights in {-1, 0, +1}, rows of kStride values, zero-padded.
void dequantizeRowsF32(const uint8_t* packed, size_t k, size_t kStride, size_t rowBegin,
                       size_t rowEnd, float* out);
void dequantizeRowsBf16(const uint8_t* packed, size_t k, size_t kStride, size_t rowBegin,
                        size_t rowEnd, uint16_t* out);

// Round-to-nearest-even fp32 -> bf16 (NaN kept quiet). Inline: the KV cache converts every
// key and value it stores through it, a call per element when it was out of line.
inline uint16_t floatToBf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);
  const uint32_t roundingBias = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>((bits + roundingBias) >> 16);
}

}  // namespace bitbench
