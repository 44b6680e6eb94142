#include "sparse-layout.h"

#include "i8-layout.h"

namespace bitbench {

size_t sparsePreparedBytes(size_t n, size_t k, size_t planeBytes) {
  return i8PreparedBytes(n, k, planeBytes, n);
}

void repackSparseBlocks(const uint8_t* packed, size_t n, size_t k, size_t planeBytes, uint8_t* out) {
  // One tile of n rows: i8PlaneOffset(0, block, row, ...) is sparsePlaneOffset(block, row, ...).
  repackI8Planes(packed, n, k, planeBytes, n, out);
}

size_t nonzeroBlocksI8(const int8_t* q, size_t blocks, size_t blockColumns, uint32_t* out) {
  size_t count = 0;
  for (size_t b = 0; b < blocks; ++b) {
    // OR of the bytes: no early exit, so the loop vectorizes (a block is 64-256 bytes).
    uint8_t any = 0;
    const int8_t* block = q + b * blockColumns;
    for (size_t i = 0; i < blockColumns; ++i) any |= static_cast<uint8_t>(block[i]);
    if (any) out[count++] = static_cast<uint32_t>(b);
  }
  return count;
}

size_t nonzeroBlocksF32(const float* x, size_t blocks, size_t blockColumns, uint32_t* out) {
  size_t count = 0;
  for (size_t b = 0; b < blocks; ++b) {
    bool any = false;
    const float* block = x + b * blockColumns;
    for (size_t i = 0; i < blockColumns; ++i) any |= block[i] != 0.0f;
    if (any) out[count++] = static_cast<uint32_t>(b);
  }
  return count;
}

}  // namespace bitbench
