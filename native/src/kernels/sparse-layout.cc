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
    // OR of the bits but the sign (so -0.0 counts as zero, a NaN as nonzero), as integers: the
    // float compares (any |= v != 0) did not vectorize and took 2.8 us for 4096 columns in
    // 60-column blocks, on the calling thread before any row ran; this takes 0.13 us.
    uint32_t any = 0;
    const float* block = x + b * blockColumns;
    for (size_t i = 0; i < blockColumns; ++i) {
      uint32_t bits;
      std::memcpy(&bits, block + i, sizeof bits);
      any |= bits << 1;
    }
    if (any) out[count++] = static_cast<uint32_t>(b);
  }
  return count;
}

size_t zeroCountF32(const float* x, size_t k) {
  // Integer compares and a 32-bit count vectorize (0.29 us for 4096 against 0.53).
  uint32_t zeros = 0;
  for (size_t i = 0; i < k; ++i) {
    uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    zeros += (bits << 1) == 0;
  }
  return zeros;
}

}  // namespace bitbench
