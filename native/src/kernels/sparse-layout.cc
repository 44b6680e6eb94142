#include "sparse-layout.h"

#include <cstring>

#include "i8-layout.h"

namespace bitbench {

namespace {
size_t columnBlocks(size_t k, size_t planeBytes) { return (k + i8ColumnMultiple(planeBytes) - 1) / i8ColumnMultiple(planeBytes); }
}  // namespace

size_t sparsePreparedBytes(size_t n, size_t k, size_t planeBytes) {
  return columnBlocks(k, planeBytes) * sparseBlockStride(n, planeBytes);
}

void repackSparseBlocks(const uint8_t* packed, size_t n, size_t k, size_t planeBytes, uint8_t* out) {
  // One tile of n rows: i8PlaneOffset(0, block, row, ...) is block * n * planeBytes + row *
  // planeBytes, the blocks back to back; then each block moves to its stride, the last first
  // (every block moves up or stays), and the page between blocks is zeroed.
  repackI8Planes(packed, n, k, planeBytes, n, out);
  const size_t bytes = n * planeBytes, stride = sparseBlockStride(n, planeBytes);
  if (stride == bytes) return;
  for (size_t block = columnBlocks(k, planeBytes); block-- > 0;) {
    std::memmove(out + block * stride, out + block * bytes, bytes);
    std::memset(out + block * stride + bytes, 0, stride - bytes);
  }
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
