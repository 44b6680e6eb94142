// NEON dot-product peak loop: sdot, 16 byte products into four int32 lanes (Graviton2 and
// later), the instruction of the neon-dotprod fused-i8 kernels. Compiled with +dotprod.
#include <arm_neon.h>

#include "../peak-loops.h"

namespace bitbench {

double neonDotprodInt8Peak(uint64_t rounds, float* sink) {
  constexpr int kChains = 16;
  int32x4_t acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = vdupq_n_s32(i);
  const int8x16_t codes = vdupq_n_s8(2);
  const int8x16_t activations = vdupq_n_s8(-3);
  for (uint64_t r = 0; r < rounds; ++r) {
    for (int i = 0; i < kChains; ++i) acc[i] = vdotq_s32(acc[i], codes, activations);
  }
  int32x4_t total = acc[0];
  for (int i = 1; i < kChains; ++i) total = vaddq_s32(total, acc[i]);
  *sink = static_cast<float>(vaddvq_s32(total));
  return static_cast<double>(rounds) * kChains * 16 * 2;
}

}  // namespace bitbench
