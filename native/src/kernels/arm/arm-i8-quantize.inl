// Per-token int8 quantization with NEON, shared by the neon and neon-dotprod units.
// Bit-identical to the scalar reference: max|x| is exact (fmaxnm, like std::max, passes over
// a NaN), the scale 127 / max is one fp32 division, x * scale one fp32 multiply, and fcvtns
// rounds to nearest even as std::nearbyint does in the default rounding mode.
#include <arm_neon.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../i8-kernel-table.h"

namespace bitbench {
namespace {

inline void quantizeRowNeon(const float* x, size_t k, size_t qStride, int8_t* q, I8Row* row) {
  float32x4_t maxv = vdupq_n_f32(0.0f);
  size_t i = 0;
  for (; i + 4 <= k; i += 4) maxv = vmaxnmq_f32(maxv, vabsq_f32(vld1q_f32(x + i)));
  float maxAbs = vmaxnmvq_f32(maxv);
  for (; i < k; ++i) maxAbs = std::max(maxAbs, std::fabs(x[i]));
  const float scale = maxAbs > 0 ? 127.0f / maxAbs : 0.0f;
  row->dequant = maxAbs > 0 ? maxAbs / 127.0f : 0.0f;

  const float32x4_t s = vdupq_n_f32(scale);
  const int32x4_t lo = vdupq_n_s32(-127), hi = vdupq_n_s32(127);
  int32x4_t sum = vdupq_n_s32(0);
  i = 0;
  for (; i + 8 <= k; i += 8) {
    const int32x4_t v0 = vminq_s32(vmaxq_s32(vcvtnq_s32_f32(vmulq_f32(vld1q_f32(x + i), s)), lo), hi);
    const int32x4_t v1 = vminq_s32(vmaxq_s32(vcvtnq_s32_f32(vmulq_f32(vld1q_f32(x + i + 4), s)), lo), hi);
    sum = vaddq_s32(sum, vaddq_s32(v0, v1));
    // Plain narrowing is exact: the values are already in [-127, 127].
    vst1_s8(q + i, vmovn_s16(vcombine_s16(vmovn_s32(v0), vmovn_s32(v1))));
  }
  int32_t total = vaddvq_s32(sum);
  for (; i < k; ++i) {
    float r = std::nearbyint(x[i] * scale);
    r = r < -127.0f ? -127.0f : r > 127.0f ? 127.0f : r;
    q[i] = static_cast<int8_t>(r);
    total += q[i];
  }
  std::memset(q + k, 0, qStride - k);
  row->sum = total;
}

}  // namespace
}  // namespace bitbench
