// AVX-VNNI peak loop: the VEX vpdpbusd on ymm (Alder Lake and later, Zen 5), the instruction
// of the avx-vnni fused-i8 kernels. Compiled without AVX-512 flags, like those kernels, so
// the compiler cannot pick the EVEX form that such CPUs may lack.
#include <immintrin.h>

#include "../peak-loops.h"

namespace bitbench {

double avxVnniInt8Peak(uint64_t rounds, float* sink) {
  constexpr int kChains = 12;
  __m256i acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_epi32(i);
  const __m256i codes = _mm256_set1_epi8(2);
  const __m256i activations = _mm256_set1_epi8(-3);
  for (uint64_t r = 0; r < rounds; ++r) {
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_dpbusd_avx_epi32(acc[i], codes, activations);
  }
  __m256i total = acc[0];
  for (int i = 1; i < kChains; ++i) total = _mm256_add_epi32(total, acc[i]);
  alignas(32) int32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), total);
  int64_t sum = 0;
  for (int32_t lane : lanes) sum += lane;
  *sink = static_cast<float>(sum);
  return static_cast<double>(rounds) * kChains * 32 * 2;
}

}  // namespace bitbench
