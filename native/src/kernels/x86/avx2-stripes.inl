// The fused-i8 scattered sparse GEMV (batch 1) over the column-stripe layout
// (stripe-layout.h) with 256-bit vectors (AVX2, AVX-VNNI): avx512-stripes.inl's kernel
// in 32-byte chunks (128 rows), included after the translation unit defines StripeDot:
//   static __m256i dot(__m256i acc, __m256i codes, __m256i x)
// acc plus, per int32 lane, the four unsigned codes times the four int8 activations
// (vpdpbusd, or vpmaddubsw then vpmaddwd).
//
// With 16 registers a chunk's 16 accumulators do not fit beside the codes, so each chunk is
// taken in two halves of eight (the low and the high bytes of the interleave), the second
// reloading the four stripes' chunk from L1. Each sweep takes eight columns (two groups of
// four), and asks for the next two sweeps' stripes into L2, a line of each per 64 bytes, as the
// AVX-512 kernel does (into L2 rather than the next sweep's into L1, Zen 4, avx2, cold, 2
// threads: 1.03-1.11x faster; 4096 x 4096 at 50% zeros 109.8 -> 98.7 us. Emerald Rapids,
// cold, 60 interleaved calls: avx-vnni 1.08-1.20x at four shapes, avx2 1.04x at two).

constexpr size_t kStripeChunkBytes = 32;

using StripeVector = __m256i;
inline StripeVector broadcastStripeX(uint32_t packed) { return _mm256_set1_epi32(static_cast<int32_t>(packed)); }
#include "../i8-stripe-group.inl"

// Half H (0: interleaves m = 0, 1; 1: m = 2, 3) of one chunk: accumulators 8H .. 8H + 7.
template <size_t G, bool FIRST, int H>
inline void i8StripeHalf(const StripeGroup (&groups)[G], size_t offset, int32_t* d) {
  const __m256i mask[4] = {_mm256_set1_epi8(0x03), _mm256_set1_epi8(0x0c), _mm256_set1_epi8(0x30),
                           _mm256_set1_epi8(static_cast<char>(0xc0))};
  __m256i acc[8];
#pragma GCC unroll 8
  for (size_t e = 0; e < 8; ++e)
    acc[e] = FIRST ? _mm256_setzero_si256() : _mm256_loadu_si256(reinterpret_cast<const __m256i*>(d + 8 * (8 * H + e)));
#pragma GCC unroll 2
  for (size_t g = 0; g < G; ++g) {
    const auto load = [&](size_t j) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(groups[g].stripe[j] + offset)); };
    const __m256i a = load(0), b = load(1), c = load(2), e4 = load(3);
    const __m256i ab = H ? _mm256_unpackhi_epi8(a, b) : _mm256_unpacklo_epi8(a, b);
    const __m256i cd = H ? _mm256_unpackhi_epi8(c, e4) : _mm256_unpacklo_epi8(c, e4);
    const __m256i z[2] = {_mm256_unpacklo_epi16(ab, cd), _mm256_unpackhi_epi16(ab, cd)};
#pragma GCC unroll 2
    for (size_t m = 0; m < 2; ++m)
#pragma GCC unroll 4
      for (size_t s = 0; s < 4; ++s)
        acc[4 * m + s] = StripeDot::dot(acc[4 * m + s], _mm256_and_si256(z[m], mask[s]), groups[g].x);
  }
#pragma GCC unroll 8
  for (size_t e = 0; e < 8; ++e) _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + 8 * (8 * H + e)), acc[e]);
}

template <size_t G, bool FIRST>
void i8StripeSweep(const StripeGroup (&groups)[G], const uint8_t* const (&next)[8], const uint8_t* const (&far)[8],
                   size_t bytes, int32_t* dots) {
  for (size_t offset = 0; offset < bytes; offset += 32) {
    if (offset % 64 == 0) {
#pragma GCC unroll 8
      for (size_t j = 0; j < 8; ++j) _mm_prefetch(reinterpret_cast<const char*>(next[j] + offset), _MM_HINT_T1);
#pragma GCC unroll 8
      for (size_t j = 0; j < 8; ++j) _mm_prefetch(reinterpret_cast<const char*>(far[j] + offset), _MM_HINT_T1);
    }
    int32_t* d = dots + 4 * offset;  // 128 rows per 32-byte chunk
    i8StripeHalf<G, FIRST, 0>(groups, offset, d);
    i8StripeHalf<G, FIRST, 1>(groups, offset, d);
  }
}

#include "../i8-stripe-run.inl"
