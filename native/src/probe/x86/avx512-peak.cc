// AVX-512 peak loops: fp32 FMA on zmm (what the avx512 fp32 paths compute with) and the int8
// product of the avx512 fused-i8 kernels without VNNI: vpmaddubsw into int16 partial sums,
// widened by vpmaddwd every fourth step, as those kernels flush their partials.
// Compiled with AVX-512 target flags; reached only through the probe table.
#include <immintrin.h>

#include "../peak-loops.h"

namespace bitbench {

double avx512Fp32Peak(uint64_t rounds, float* sink) {
  // 16 chains: the FMA latency (4 cycles) times two FMA pipes, with room to spare.
  constexpr int kChains = 16;
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(1e-3f * static_cast<float>(i));
  // acc -> acc * 0.9999 + 1e-4 converges to 1: no overflow, no denormals to slow a pass.
  const __m512 a = _mm512_set1_ps(0.9999f);
  const __m512 b = _mm512_set1_ps(1e-4f);
  for (uint64_t r = 0; r < rounds; ++r) {
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 total = acc[0];
  for (int i = 1; i < kChains; ++i) total = _mm512_add_ps(total, acc[i]);
  *sink = _mm512_reduce_add_ps(total);
  return static_cast<double>(rounds) * kChains * 16 * 2;
}

double avx512Int8Peak(uint64_t rounds, float* sink) {
  // Each chain's dependency is a 1-cycle add: four chains of four steps keep 16 independent
  // multiplies per round in flight without spilling registers.
  constexpr int kChains = 4;
  constexpr int kSteps = 4;
  __m512i partial[kChains], acc[kChains], weights[kChains];
  for (int i = 0; i < kChains; ++i) {
    partial[i] = _mm512_setzero_si512();
    acc[i] = _mm512_setzero_si512();
    weights[i] = _mm512_set1_epi8(static_cast<char>(i - 2));
  }
  __m512i codes = _mm512_set1_epi8(2);
  const __m512i ones = _mm512_set1_epi16(1);
  for (uint64_t r = 0; r < rounds; ++r) {
    for (int s = 0; s < kSteps; ++s) {
      BITBENCH_LAUNDER(codes);
      for (int i = 0; i < kChains; ++i) partial[i] = _mm512_add_epi16(partial[i], _mm512_maddubs_epi16(codes, weights[i]));
    }
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_add_epi32(acc[i], _mm512_madd_epi16(partial[i], ones));
  }
  __m512i total = acc[0];
  for (int i = 1; i < kChains; ++i) total = _mm512_add_epi32(total, acc[i]);
  *sink = static_cast<float>(_mm512_reduce_add_epi32(total));
  // 64 byte products per vpmaddubsw.
  return static_cast<double>(rounds) * kSteps * kChains * 64 * 2;
}

}  // namespace bitbench
