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

// Quintet layout (AVX2's): as the row-tile layout, but each 32-bit word holds 15 columns as
// three quintets, quintet q (columns 5q..5q+4 of the group) as the three 3-bit indexes
// kQuintetIndexes gives its codes (quintet-code.h), part p's at bits 9q + 3p: index I = 3q + p
// at bits 3I, each of which a vpermps looks up in an 8-entry table. Bits 27 to 31 are zero.
uint32_t quintetIndexes(const uint32_t* codes);
size_t quintetTileBytes(size_t n, size_t k, size_t rowsPerTile);
void repackQuintetTiles(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out);
// The same words in column panels (kernel-table.h, panelWordOffset): AVX2's sparse copy.
void repackQuintetPanels(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out);

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
