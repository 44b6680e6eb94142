#include "ternary-layout.h"

#include <cstring>
#include <stdexcept>

namespace bitbench {

namespace {

// 256 entries: the four weights a packed byte holds, in column order.
struct ByteToWeights {
  float weights[256][4];
  ByteToWeights() {
    for (int byte = 0; byte < 256; ++byte)
      for (int m = 0; m < 4; ++m) {
        const int code = (byte >> (6 - 2 * m)) & 3;
        weights[byte][m] = code == kCodeInvalid ? 0.0f : static_cast<float>(code - 1);
      }
  }
};
const ByteToWeights kByteToWeights;

}  // namespace

void validatePacked(const uint8_t* packed, size_t n, size_t k) {
  const size_t rowBytes = packedRowBytes(k);
  const size_t fullBytes = k / 4;
  const size_t tailColumns = k % 4;
  for (size_t row = 0; row < n; ++row) {
    const uint8_t* bytes = packed + row * rowBytes;
    for (size_t j = 0; j < rowBytes; ++j) {
      const uint8_t byte = bytes[j];
      // Code 3 has both bits set: (byte & (byte >> 1)) has bit 2m set for each such code.
      const bool hasInvalid = (byte & (byte >> 1) & 0x55) != 0;
      bool badPadding = false;
      if (j == fullBytes && tailColumns != 0) {
        for (size_t m = tailColumns; m < 4; ++m)
          if (((byte >> (6 - 2 * m)) & 3) != kCodeZero) badPadding = true;
      }
      if (hasInvalid || badPadding) {
        int m = 0;
        while (m < 4 && ((byte >> (6 - 2 * m)) & 3) != kCodeInvalid) ++m;
        const size_t col = j * 4 + (hasInvalid ? m : tailColumns);
        const std::string where = "byte " + std::to_string(row * rowBytes + j) + " (row " +
                                  std::to_string(row) + ", column " + std::to_string(col) + ")";
        if (hasInvalid && col < k)
          throw std::invalid_argument("Invalid packed weights: " + where +
                                      " holds code 3; valid codes are 0 (-1), 1 (0) and 2 (+1)");
        throw std::invalid_argument("Invalid packed weights: " + where +
                                    " is padding past column k - 1 and must hold code 1 (zero)");
      }
    }
  }
}

size_t rowTileBytes(size_t n, size_t k, size_t rowsPerTile) {
  const size_t tiles = (n + rowsPerTile - 1) / rowsPerTile;
  const size_t groups = (k + kColumnsPerWord - 1) / kColumnsPerWord;
  return tiles * groups * rowsPerTile * sizeof(uint32_t);
}

void repackRowTiles(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out) {
  const size_t tiles = (n + rowsPerTile - 1) / rowsPerTile;
  const size_t groups = (k + kColumnsPerWord - 1) / kColumnsPerWord;
  uint32_t* words = reinterpret_cast<uint32_t*>(out);
  for (size_t t = 0; t < tiles; ++t)
    for (size_t g = 0; g < groups; ++g)
      for (size_t r = 0; r < rowsPerTile; ++r) {
        const size_t row = t * rowsPerTile + r;
        uint32_t word = 0;
        for (size_t s = 0; s < kColumnsPerWord; ++s) {
          const size_t col = g * kColumnsPerWord + s;
          const uint32_t code = (row < n && col < k) ? packedCode(packed, k, row, col) : kCodeZero;
          word |= code << (2 * s);
        }
        *words++ = word;
      }
}

void dequantizeRowsF32(const uint8_t* packed, size_t k, size_t kStride, size_t rowBegin,
                       size_t rowEnd, float* out) {
  const size_t rowBytes = packedRowBytes(k);
  const size_t fullBytes = k / 4;
  for (size_t row = rowBegin; row < rowEnd; ++row) {
    const uint8_t* bytes = packed + row * rowBytes;
    float* dst = out + row * kStride;
    for (size_t j = 0; j < fullBytes; ++j) std::memcpy(dst + 4 * j, kByteToWeights.weights[bytes[j]], 16);
    for (size_t col = fullBytes * 4; col < kStride; ++col)
      dst[col] = col < k ? kByteToWeights.weights[bytes[fullBytes]][col % 4] : 0.0f;
  }
}

void dequantizeRowsBf16(const uint8_t* packed, size_t k, size_t kStride, size_t rowBegin,
                        size_t rowEnd, uint16_t* out) {
  // bf16 of -1, 0, +1 is exact: the fp32 bit pattern's high half.
  const uint16_t codeToBf16[4] = {0xBF80, 0x0000, 0x3F80, 0x0000};
  for (size_t row = rowBegin; row < rowEnd; ++row) {
    uint16_t* dst = out + row * kStride;
    for (size_t col = 0; col < kStride; ++col)
      dst[col] = col < k ? codeToBf16[packedCode(packed, k, row, col)] : 0;
  }
}

uint16_t floatToBf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);
  const uint32_t roundingBias = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>((bits + roundingBias) >> 16);
}

}  // namespace bitbench
