// Per-token int8 quantization with AVX2 (also used by the AVX-512 and AVX-VNNI units, whose
// target flags include AVX2). Bit-identical to the scalar reference: max|x| is exact, the
// scale 127 / max is one fp32 division, x * scale one fp32 multiply, and vcvtps2dq rounds to
// nearest even as std::nearbyint does in the default rounding mode.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cmath>
#include <cstring>

#include "../i8-kernel-table.h"

namespace bitbench {
namespace {

inline void quantizeRowAvx2(const float* x, size_t k, size_t qStride, int8_t* q, I8Row* row) {
  const __m256 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 maxv = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= k; i += 8) maxv = _mm256_max_ps(maxv, _mm256_and_ps(_mm256_loadu_ps(x + i), absMask));
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(maxv), _mm256_extractf128_ps(maxv, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  float maxAbs = _mm_cvtss_f32(m);
  for (; i < k; ++i) maxAbs = std::max(maxAbs, std::fabs(x[i]));
  const float scale = maxAbs > 0 ? 127.0f / maxAbs : 0.0f;
  row->dequant = maxAbs > 0 ? maxAbs / 127.0f : 0.0f;

  const __m256 s = _mm256_set1_ps(scale);
  const __m256i lo = _mm256_set1_epi32(-127), hi = _mm256_set1_epi32(127);
  __m256i sum = _mm256_setzero_si256();
  i = 0;
  for (; i + 8 <= k; i += 8) {
    __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i), s));
    v = _mm256_min_epi32(_mm256_max_epi32(v, lo), hi);
    sum = _mm256_add_epi32(sum, v);
    // int32 -> int8 without saturation surprises: values are already in [-127, 127].
    const __m256i packed16 = _mm256_packs_epi32(v, v);
    const __m256i packed8 = _mm256_packs_epi16(packed16, packed16);
    const int32_t lowWord = _mm256_cvtsi256_si32(packed8);
    const int32_t highWord = _mm256_extract_epi32(packed8, 4);
    std::memcpy(q + i, &lowWord, 4);
    std::memcpy(q + i + 4, &highWord, 4);
  }
  __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
  s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, _MM_SHUFFLE(1, 0, 3, 2)));
  s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, _MM_SHUFFLE(2, 3, 0, 1)));
  int32_t total = _mm_cvtsi128_si32(s4);
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
