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

// max|x| over the row. Four running maxima: one vmaxps chain waits out its latency every 8
// floats. The row's value comes second in each vmaxps, so a NaN in x is passed over as the
// scalar std::max passes it over.
inline float absMaxAvx2(const float* x, size_t k) {
  const __m256 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 m0 = _mm256_setzero_ps(), m1 = m0, m2 = m0, m3 = m0;
  size_t i = 0;
  for (; i + 32 <= k; i += 32) {
    m0 = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(x + i), absMask), m0);
    m1 = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(x + i + 8), absMask), m1);
    m2 = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(x + i + 16), absMask), m2);
    m3 = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(x + i + 24), absMask), m3);
  }
  for (; i + 8 <= k; i += 8) m0 = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(x + i), absMask), m0);
  const __m256 m01 = _mm256_max_ps(_mm256_max_ps(m0, m1), _mm256_max_ps(m2, m3));
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(m01), _mm256_extractf128_ps(m01, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  float maxAbs = _mm_cvtss_f32(m);
  for (; i < k; ++i) maxAbs = std::max(maxAbs, std::fabs(x[i]));
  return maxAbs;
}

// Eight floats to int32 codes: x * scale rounded to nearest even, clamped to [-127, 127].
inline __m256i quantizeEight(const float* x, __m256 scale) {
  const __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), scale));
  return _mm256_min_epi32(_mm256_max_epi32(v, _mm256_set1_epi32(-127)), _mm256_set1_epi32(127));
}

inline void quantizeRowAvx2(const float* x, size_t k, size_t qStride, int8_t* q, I8Row* row) {
  const float maxAbs = absMaxAvx2(x, k);
  const float scale = maxAbs > 0 ? 127.0f / maxAbs : 0.0f;
  row->dequant = maxAbs > 0 ? maxAbs / 127.0f : 0.0f;

  const __m256 s = _mm256_set1_ps(scale);
  // The two packs interleave the four vectors by 128-bit lane: dword d of the result is
  // 4 codes of vector d % 4, lane d / 4; this order puts them back.
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  __m256i sum = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 32 <= k; i += 32) {
    const __m256i v0 = quantizeEight(x + i, s), v1 = quantizeEight(x + i + 8, s);
    const __m256i v2 = quantizeEight(x + i + 16, s), v3 = quantizeEight(x + i + 24, s);
    sum = _mm256_add_epi32(sum, _mm256_add_epi32(_mm256_add_epi32(v0, v1), _mm256_add_epi32(v2, v3)));
    // Values are already in [-127, 127]: the packs do not saturate.
    const __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(v0, v1), _mm256_packs_epi32(v2, v3));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + i), _mm256_permutevar8x32_epi32(bytes, order));
  }
  for (; i + 8 <= k; i += 8) {
    const __m256i v = quantizeEight(x + i, s);
    sum = _mm256_add_epi32(sum, v);
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
