// The AMX tile configuration (palette 1) the amx-int8 kernels and the AMX peak loop load with
// ldtilecfg: the 64-byte memory image the instruction reads. Plain data only, so that units
// compiled with different target flags can share it.
#pragma once
#include <cstdint>

namespace bitbench {

struct alignas(64) AmxTileConfig {
  uint8_t palette = 1;
  uint8_t startRow = 0;
  uint8_t reserved[14] = {};
  uint16_t bytesPerRow[16] = {};
  uint8_t rows[16] = {};
};

// All eight tiles 16 rows of 64 bytes: the largest tile, as every tile here uses.
constexpr AmxTileConfig fullAmxTiles() {
  AmxTileConfig config;
  for (int t = 0; t < 8; ++t) {
    config.bytesPerRow[t] = 64;
    config.rows[t] = 16;
  }
  return config;
}

}  // namespace bitbench
