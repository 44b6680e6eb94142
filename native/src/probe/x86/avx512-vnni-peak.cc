// AVX-512 VNNI peak loop: vpdpbusd on zmm, 64 byte products straight into int32, the
// instruction of the avx512-vnni fused-i8 kernels. Compiled with AVX-512 + VNNI flags.
#include <immintrin.h>

#include "../peak-loops.h"

namespace bitbench {

double avx512VnniInt8Peak(uint64_t rounds, float* sink) {
  // vpdpbusd's latency (4-5 cycles) times two pipes: 16 chains keep both busy.
  constexpr int kChains = 16;
  __m512i acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_epi32(i);
  const __m512i codes = _mm512_set1_epi8(2);
  const __m512i activations = _mm512_set1_epi8(-3);
  for (uint64_t r = 0; r < rounds; ++r) {
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], codes, activations);
  }
  __m512i total = acc[0];
  for (int i = 1; i < kChains; ++i) total = _mm512_add_epi32(total, acc[i]);
  *sink = static_cast<float>(_mm512_reduce_add_epi32(total));
  return static_cast<double>(rounds) * kChains * 64 * 2;
}

}  // namespace bitbench
