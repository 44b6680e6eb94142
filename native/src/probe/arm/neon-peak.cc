// NEON peak loops: fp32 fmla on 4 lanes (the neon fp32 paths), and the int8 product of the
// neon fused-i8 kernels without the dot-product extension: smull/smull2 widening multiplies
// accumulated pairwise into int32 by sadalp.
#include <arm_neon.h>

#include "../peak-loops.h"

namespace bitbench {

double neonFp32Peak(uint64_t rounds, float* sink) {
  // 16 of 32 registers: FMA latency 4 x up to four pipes (Neoverse V1/V2).
  constexpr int kChains = 16;
  float32x4_t acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = vdupq_n_f32(1e-3f * static_cast<float>(i));
  const float32x4_t a = vdupq_n_f32(0.9999f);
  const float32x4_t b = vdupq_n_f32(1e-4f);
  for (uint64_t r = 0; r < rounds; ++r) {
    for (int i = 0; i < kChains; ++i) acc[i] = vfmaq_f32(b, acc[i], a);
  }
  float32x4_t total = acc[0];
  for (int i = 1; i < kChains; ++i) total = vaddq_f32(total, acc[i]);
  *sink = vaddvq_f32(total);
  return static_cast<double>(rounds) * kChains * 4 * 2;
}

double neonInt8Peak(uint64_t rounds, float* sink) {
  constexpr int kChains = 6;
  int32x4_t acc[kChains];
  int8x16_t weights[kChains];
  for (int i = 0; i < kChains; ++i) {
    acc[i] = vdupq_n_s32(0);
    weights[i] = vdupq_n_s8(static_cast<int8_t>(i - 3));
  }
  int8x16_t codes = vdupq_n_s8(2);
  for (uint64_t r = 0; r < rounds; ++r) {
    BITBENCH_LAUNDER(codes);
    for (int i = 0; i < kChains; ++i) {
      acc[i] = vpadalq_s16(acc[i], vmull_s8(vget_low_s8(codes), vget_low_s8(weights[i])));
      acc[i] = vpadalq_s16(acc[i], vmull_high_s8(codes, weights[i]));
    }
  }
  int32x4_t total = acc[0];
  for (int i = 1; i < kChains; ++i) total = vaddq_s32(total, acc[i]);
  *sink = static_cast<float>(vaddvq_s32(total));
  return static_cast<double>(rounds) * kChains * 16 * 2;
}

}  // namespace bitbench
