#include "i8-layout.h"

#include <vector>

#include "ternary-layout.h"

namespace bitbench {

size_t i8ColumnMultiple(size_t planeBytes) { return 4 * planeBytes; }

size_t i8PreparedBytes(size_t n, size_t k, size_t planeBytes, size_t rowTile) {
  const size_t blocks = (k + 4 * planeBytes - 1) / (4 * planeBytes);
  const size_t tiles = (n + rowTile - 1) / rowTile;
  return tiles * blocks * rowTile * planeBytes;
}

void repackI8Planes(const uint8_t* packed, size_t n, size_t k, size_t planeBytes, size_t rowTile, uint8_t* out) {
  const size_t blockColumns = 4 * planeBytes;
  const size_t blocks = (k + blockColumns - 1) / blockColumns;
  const size_t tiles = (n + rowTile - 1) / rowTile;
  // One row's codes at a time, padded with zero codes: the inner loops then read bytes.
  std::vector<uint8_t> codes(blocks * blockColumns);
  const size_t rowBytes = packedRowBytes(k);
  for (size_t tile = 0; tile < tiles; ++tile)
    for (size_t r = 0; r < rowTile; ++r) {
      const size_t row = tile * rowTile + r;
      std::fill(codes.begin(), codes.end(), static_cast<uint8_t>(kCodeZero));
      if (row < n) {
        const uint8_t* src = packed + row * rowBytes;
        for (size_t col = 0; col < k; ++col) codes[col] = (src[col / 4] >> (6 - 2 * (col % 4))) & 3;
      }
      for (size_t block = 0; block < blocks; ++block) {
        const uint8_t* c = codes.data() + block * blockColumns;
        uint8_t* dst = out + i8PlaneOffset(tile, block, r, blocks, planeBytes, rowTile);
        for (size_t j = 0; j < planeBytes; ++j)
          dst[j] = static_cast<uint8_t>(c[j] | c[j + planeBytes] << 2 | c[j + 2 * planeBytes] << 4 |
                                        c[j + 3 * planeBytes] << 6);
      }
    }
}

}  // namespace bitbench
