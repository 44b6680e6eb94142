// AVX2 peak loops: fp32 FMA on ymm, and vpmaddubsw into int16 partial sums widened by
// vpmaddwd every fourth step (the avx2 fused-i8 kernels). Compiled with -mavx2 -mfma.
#include <immintrin.h>

#include "../peak-loops.h"

namespace bitbench {

double avx2Fp32Peak(uint64_t rounds, float* sink) {
  // 12 chains of 16 ymm registers: FMA latency 4 x two pipes = 8 in flight, with margin.
  constexpr int kChains = 12;
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(1e-3f * static_cast<float>(i));
  const __m256 a = _mm256_set1_ps(0.9999f);
  const __m256 b = _mm256_set1_ps(1e-4f);
  for (uint64_t r = 0; r < rounds; ++r) {
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 total = acc[0];
  for (int i = 1; i < kChains; ++i) total = _mm256_add_ps(total, acc[i]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, total);
  float sum = 0;
  for (float lane : lanes) sum += lane;
  *sink = sum;
  return static_cast<double>(rounds) * kChains * 8 * 2;
}

double avx2Int8Peak(uint64_t rounds, float* sink) {
  // Four chains: each chain's dependency is a 1-cycle add, so four keep two multiply pipes fed.
  constexpr int kChains = 4;
  constexpr int kSteps = 4;
  __m256i partial[kChains], acc[kChains], weights[kChains];
  for (int i = 0; i < kChains; ++i) {
    partial[i] = _mm256_setzero_si256();
    acc[i] = _mm256_setzero_si256();
    weights[i] = _mm256_set1_epi8(static_cast<char>(i - 2));
  }
  __m256i codes = _mm256_set1_epi8(2);
  const __m256i ones = _mm256_set1_epi16(1);
  for (uint64_t r = 0; r < rounds; ++r) {
    for (int s = 0; s < kSteps; ++s) {
      BITBENCH_LAUNDER(codes);
      for (int i = 0; i < kChains; ++i) partial[i] = _mm256_add_epi16(partial[i], _mm256_maddubs_epi16(codes, weights[i]));
    }
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(partial[i], ones));
  }
  __m256i total = acc[0];
  for (int i = 1; i < kChains; ++i) total = _mm256_add_epi32(total, acc[i]);
  alignas(32) int32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), total);
  int64_t sum = 0;
  for (int32_t lane : lanes) sum += lane;
  *sink = static_cast<float>(sum);
  return static_cast<double>(rounds) * kSteps * kChains * 32 * 2;
}

}  // namespace bitbench
