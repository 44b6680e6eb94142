// AMX-INT8 peak loop: tdpbusd, a 16 x 64 byte tile times a 64 x 16 byte tile into 16 x 16
// int32 sums, the instruction of the amx-int8 fused-i8 kernels at batch > 3. Compiled with
// AMX flags; run only where dispatch found tile data granted (dispatch/amx-permission.h).
#include <immintrin.h>

#include <cstdint>

#include "../../kernels/x86/amx-tile-config.h"
#include "../peak-loops.h"

namespace bitbench {

double amxInt8Peak(uint64_t rounds, float* sink) {
  const AmxTileConfig config = fullAmxTiles();
  alignas(64) uint8_t codes[16 * 64];
  alignas(64) int8_t activations[16 * 64];
  for (int i = 0; i < 16 * 64; ++i) {
    codes[i] = 2;
    activations[i] = -3;
  }
  _tile_loadconfig(&config);
  _tile_loadd(6, codes, 64);
  _tile_loadd(7, activations, 64);
  // tdpbusd's latency is several times its issue interval: six accumulators keep the unit busy.
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_zero(4);
  _tile_zero(5);
  for (uint64_t r = 0; r < rounds; ++r) {
    _tile_dpbusd(0, 6, 7);
    _tile_dpbusd(1, 6, 7);
    _tile_dpbusd(2, 6, 7);
    _tile_dpbusd(3, 6, 7);
    _tile_dpbusd(4, 6, 7);
    _tile_dpbusd(5, 6, 7);
  }
  alignas(64) int32_t sums[16 * 16];
  int64_t total = 0;
  _tile_stored(0, sums, 64);
  total += sums[0];
  _tile_stored(5, sums, 64);
  total += sums[255];
  _tile_release();
  *sink = static_cast<float>(total);
  return static_cast<double>(rounds) * 6 * 16 * 16 * 64 * 2;
}

}  // namespace bitbench
