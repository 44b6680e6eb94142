// The layout the fused-i8 kernels repack the public packed format into, once, at preparation.
//
// Code planes: for a plane width P (the ISA's vector bytes), columns go in blocks of 4P. For
// one row and one block, P bytes: byte j holds the codes of columns 4P*block + j + P*s at bits
// 2s (s = 0..3), so one vector load, a shift by 2s and a mask give the codes of P consecutive
// columns: exactly the activations one vector load reads. Tiles of R rows, stored
// [tile][block][row][P bytes], so each tile is one sequential stream. Rows and columns past
// the matrix hold code 1 (zero weight).
#pragma once
#include <cstddef>
#include <cstdint>

namespace bitbench {

size_t i8ColumnMultiple(size_t planeBytes);
size_t i8PreparedBytes(size_t n, size_t k, size_t planeBytes, size_t rowTile);
void repackI8Planes(const uint8_t* packed, size_t n, size_t k, size_t planeBytes, size_t rowTile, uint8_t* out);

// Offset in bytes of (tile, block, row in tile) in the layout.
inline size_t i8PlaneOffset(size_t tile, size_t block, size_t row, size_t blocks, size_t planeBytes,
                            size_t rowTile) {
  return ((tile * blocks + block) * rowTile + row) * planeBytes;
}

}  // namespace bitbench
