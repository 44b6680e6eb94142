#include "ternary-layout.h"

#include "quintet-code.h"

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
      size_t badPaddingColumn = 0;
      if (j == fullBytes && tailColumns != 0) {
        for (size_t m = 4; m-- > tailColumns;)
          if (((byte >> (6 - 2 * m)) & 3) != kCodeZero) badPaddingColumn = j * 4 + m;
      }
      if (hasInvalid || badPaddingColumn != 0) {
        int m = 0;
        while (m < 4 && ((byte >> (6 - 2 * m)) & 3) != kCodeInvalid) ++m;
        const size_t col = hasInvalid ? j * 4 + m : badPaddingColumn;
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

namespace {

size_t tileCount(size_t n, size_t rowsPerTile) { return (n + rowsPerTile - 1) / rowsPerTile; }

// Writes every word of a tile layout; wordFor(row, firstColumn) builds one word, and
// offset(tile, group, groups, tiles) places a tile's words of a group.
template <class WordFor, class Offset>
void repackTiles(size_t n, size_t groups, size_t columnsPerWord, size_t rowsPerTile, uint8_t* out,
                        WordFor wordFor, Offset offset) {
  uint32_t* words = reinterpret_cast<uint32_t*>(out);
  const size_t tiles = tileCount(n, rowsPerTile);
  for (size_t t = 0; t < tiles; ++t)
    for (size_t g = 0; g < groups; ++g) {
      uint32_t* tileWords = words + offset(t, g, groups, tiles);
      for (size_t r = 0; r < rowsPerTile; ++r) tileWords[r] = wordFor(t * rowsPerTile + r, g * columnsPerWord);
    }
}

}  // namespace

size_t rowTileBytes(size_t n, size_t k, size_t rowsPerTile) {
  const size_t groups = (k + kColumnsPerWord - 1) / kColumnsPerWord;
  return tileCount(n, rowsPerTile) * groups * rowsPerTile * sizeof(uint32_t);
}

namespace {

// The 2-bit code words, placed by offset(tile, group, groups, tiles).
template <class Offset>
void repackCodeWords(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out, Offset offset) {
  const size_t groups = (k + kColumnsPerWord - 1) / kColumnsPerWord;
  repackTiles(n, groups, kColumnsPerWord, rowsPerTile, out, [&](size_t row, size_t col0) {
    uint32_t word = 0;
    for (size_t s = 0; s < kColumnsPerWord; ++s) {
      const size_t col = col0 + s;
      const uint32_t code = (row < n && col < k) ? packedCode(packed, k, row, col) : kCodeZero;
      word |= code << (2 * s);
    }
    return word;
  }, offset);
}

// Where the repack functions place tile t's word of group g: tile after tile, or in column
// panels `panelGroups` wide (kernel-table.h).
auto tileMajor(size_t rowsPerTile) {
  return [rowsPerTile](size_t tile, size_t group, size_t groups, size_t) {
    return tileWordOffset(tile, group, groups, rowsPerTile);
  };
}
auto panelMajor(size_t rowsPerTile, size_t panelGroups) {
  return [rowsPerTile, panelGroups](size_t tile, size_t group, size_t groups, size_t tiles) {
    return panelWordOffset(tile, group, groups, tiles, rowsPerTile, panelGroups);
  };
}

}  // namespace

void repackRowTiles(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out) {
  repackCodeWords(packed, n, k, rowsPerTile, out, tileMajor(rowsPerTile));
}

void repackRowPanels(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out) {
  repackCodeWords(packed, n, k, rowsPerTile, out, panelMajor(rowsPerTile, kPairPanelGroups));
}

size_t tripleTileBytes(size_t n, size_t k, size_t rowsPerTile) {
  const size_t groups = (k + kTripleColumnsPerWord - 1) / kTripleColumnsPerWord;
  return tileCount(n, rowsPerTile) * groups * rowsPerTile * sizeof(uint32_t);
}

namespace {

// Words of `columnsPerWord` columns, each run of COLUMNS columns (codes c[0..COLUMNS)) as
// indexOf(c) in `bitsPerIndex` bits, run r at bits r * bitsPerIndex, placed by
// offset(tile, group, groups, tiles).
template <size_t COLUMNS, class IndexOf, class Offset>
void repackIndexWords(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out,
                      size_t columnsPerWord, unsigned bitsPerIndex, IndexOf indexOf, Offset offset) {
  const size_t groups = (k + columnsPerWord - 1) / columnsPerWord;
  auto codeAt = [&](size_t row, size_t col) -> uint32_t {
    return (row < n && col < k) ? packedCode(packed, k, row, col) : kCodeZero;
  };
  repackTiles(n, groups, columnsPerWord, rowsPerTile, out, [&](size_t row, size_t col0) {
    uint32_t word = 0;
    for (size_t run = 0; run < columnsPerWord / COLUMNS; ++run) {
      uint32_t codes[COLUMNS];
      for (size_t i = 0; i < COLUMNS; ++i) codes[i] = codeAt(row, col0 + COLUMNS * run + i);
      word |= indexOf(codes) << (bitsPerIndex * run);
    }
    return word;
  }, offset);
}

// The 5-bit triple words (c0 + 3 c1 + 9 c2), placed by offset(tile, group, groups, tiles).
template <class Offset>
void repackTriples(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out, Offset offset) {
  repackIndexWords<3>(packed, n, k, rowsPerTile, out, kTripleColumnsPerWord, 5,
                      [](const uint32_t* c) { return c[0] + 3 * c[1] + 9 * c[2]; }, offset);
}

// The quintet words (quintet-code.h), placed by offset(tile, group, groups, tiles).
template <class Offset>
void repackQuintets(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out, Offset offset) {
  repackIndexWords<kQuintetColumns>(packed, n, k, rowsPerTile, out, kQuintetColumnsPerWord,
                                    kQuintetParts * kQuintetIndexBits, quintetIndexes, offset);
}

}  // namespace

void repackTripleTiles(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out) {
  repackTriples(packed, n, k, rowsPerTile, out, tileMajor(rowsPerTile));
}

void repackTriplePanels(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out) {
  repackTriples(packed, n, k, rowsPerTile, out, [&](size_t tile, size_t group, size_t groups, size_t tiles) {
    return chunkedPanelWordOffset(tile, group, groups, tiles, rowsPerTile, kTriplePanelGroups);
  });
}

uint32_t quintetIndexes(const uint32_t* codes) {
  return kQuintetIndexes.index[codes[0] + 3 * codes[1] + 9 * codes[2] + 27 * codes[3] + 81 * codes[4]];
}

size_t quintetTileBytes(size_t n, size_t k, size_t rowsPerTile) {
  const size_t groups = (k + kQuintetColumnsPerWord - 1) / kQuintetColumnsPerWord;
  return tileCount(n, rowsPerTile) * groups * rowsPerTile * sizeof(uint32_t);
}

void repackQuintetTiles(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out) {
  repackQuintets(packed, n, k, rowsPerTile, out, tileMajor(rowsPerTile));
}

void repackQuintetPanels(const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile, uint8_t* out) {
  repackQuintets(packed, n, k, rowsPerTile, out, panelMajor(rowsPerTile, kQuintetPanelGroups));
}

size_t fusedColumnMultiple(FusedLayout layout) {
  switch (layout) {
    case FusedLayout::kCodePairs:
    case FusedLayout::kCodePairPanels: return kColumnsPerWord;
    case FusedLayout::kCodeTriples:
    case FusedLayout::kCodeTriplePanels: return kTripleColumnsPerWord;
    case FusedLayout::kCodeQuintets:
    case FusedLayout::kCodeQuintetPanels: return kQuintetColumnsPerWord;
  }
  return kColumnsPerWord;
}

size_t fusedPreparedBytes(FusedLayout layout, size_t n, size_t k, size_t rowsPerTile) {
  switch (layout) {
    case FusedLayout::kCodePairs:
    case FusedLayout::kCodePairPanels: return rowTileBytes(n, k, rowsPerTile);
    case FusedLayout::kCodeTriples:
    case FusedLayout::kCodeTriplePanels: return tripleTileBytes(n, k, rowsPerTile);
    case FusedLayout::kCodeQuintets:
    case FusedLayout::kCodeQuintetPanels: return quintetTileBytes(n, k, rowsPerTile);
  }
  return 0;
}

void repackFused(FusedLayout layout, const uint8_t* packed, size_t n, size_t k, size_t rowsPerTile,
                 uint8_t* out) {
  switch (layout) {
    case FusedLayout::kCodePairs: return repackRowTiles(packed, n, k, rowsPerTile, out);
    case FusedLayout::kCodePairPanels: return repackRowPanels(packed, n, k, rowsPerTile, out);
    case FusedLayout::kCodeTriples: return repackTripleTiles(packed, n, k, rowsPerTile, out);
    case FusedLayout::kCodeTriplePanels: return repackTriplePanels(packed, n, k, rowsPerTile, out);
    case FusedLayout::kCodeQuintets: return repackQuintetTiles(packed, n, k, rowsPerTile, out);
    case FusedLayout::kCodeQuintetPanels: return repackQuintetPanels(packed, n, k, rowsPerTile, out);
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

}  // namespace bitbench
