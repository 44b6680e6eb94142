// The fused-i8 scattered sparse GEMV (batch 1) over the column-stripe layout
// (stripe-layout.h) with 512-bit vectors, included after the translation unit defines StripeDot:
//   static __m512i dot(__m512i acc, __m512i codes, __m512i x)
// acc plus, per int32 lane, the four unsigned codes times the four int8 activations
// (vpdpbusd with VNNI, vpmaddubsw then vpmaddwd without). Only the listed columns (the
// nonzero activations) are read, each its own stripe front to back.
//
// vpdpbusd wants four columns of one row in each int32 lane, and a stripe holds one column
// of many rows: four stripes' 64-byte chunks are interleaved bytewise (vpunpck{l,h}bw, then
// {l,h}wd: eight shuffles), giving four vectors whose lanes hold the four columns' codes of
// four rows, one per crumb; each crumb masked in place feeds one of 16 accumulators against
// the four activations broadcast. So 256 rows x 4 columns cost 4 loads, 8 shuffles, 16 ands
// and 16 vpdpbusd. The accumulators of 256 rows live in registers for a chunk and in `dots`
// (L1: 4 bytes per row) between sweeps; each sweep takes eight columns (two groups), so that
// the 16 loads and stores of a chunk's accumulators serve 2048 products. Per product that is
// about the dense kernel's cost: L2-resident, one thread, 4096 x 1024 at 30% zeros ran 1.30x
// dense (the ideal 1.43x). Sapphire Rapids, like the measurements below.
//
// Cold, a stripe is short (2560 rows: 640 bytes), too short for the hardware prefetcher to
// ramp up, so each sweep asks for the next sweep's stripes and the one after's, a line of each
// per chunk. 2 threads, 30% zeros, sparse against dense: without, 0.55x (2560 x 2560), 0.66x
// (4096 x 4096); the next sweep alone (into L1) 0.75x, 0.99x; with the one after too (into L2)
// 0.86x, 1.05x. Both into L2 (prefetcht1), rather than the next sweep into L1: 1.08-1.16x
// faster (Zen 4, 2 threads, cold, both kernels in one process, 200 interleaved calls each:
// 2560 x 6912 at 67% zeros 72.0 -> 66.4 us, 2560 x 2560 at 50% 39.9 -> 36.4, 4096 x 4096 at
// 50% 100.9 -> 86.8, 6912 x 2560 at 50% 76.7 -> 68.8; my reading: a request into L2 holds
// an L1 miss buffer for less long). Emerald Rapids, avx512-vnni, the same four shapes, 60
// interleaved calls: cold 1.16-1.24x faster (2560 x 6912 at 67% 89.0 -> 71.6 us); hot, with
// the weights in L3, t0 was 3-8% faster at three shapes and 1.28x slower at 6912 x 2560. With fewer zeros than about a half the dense kernel stays
// faster on short stripes (sparse-choice.h).

constexpr size_t kStripeChunkBytes = 64;

using StripeVector = __m512i;
inline StripeVector broadcastStripeX(uint32_t packed) { return _mm512_set1_epi32(static_cast<int32_t>(packed)); }
#include "../i8-stripe-group.inl"

// next, far: the eight stripes of the following sweep and of the one after, each chunk asked
// for (into L2) as this sweep reaches the same chunk of its own.
template <size_t G, bool FIRST>
void i8StripeSweep(const StripeGroup (&groups)[G], const uint8_t* const (&next)[8], const uint8_t* const (&far)[8],
                   size_t bytes, int32_t* dots) {
  const __m512i mask[4] = {_mm512_set1_epi8(0x03), _mm512_set1_epi8(0x0c), _mm512_set1_epi8(0x30),
                           _mm512_set1_epi8(static_cast<char>(0xc0))};
  for (size_t offset = 0; offset < bytes; offset += 64) {
    int32_t* d = dots + 4 * offset;  // 256 rows per 64-byte chunk
#pragma GCC unroll 8
    for (size_t j = 0; j < 8; ++j) _mm_prefetch(reinterpret_cast<const char*>(next[j] + offset), _MM_HINT_T1);
#pragma GCC unroll 8
    for (size_t j = 0; j < 8; ++j) _mm_prefetch(reinterpret_cast<const char*>(far[j] + offset), _MM_HINT_T1);
    __m512i acc[16];
#pragma GCC unroll 16
    for (size_t e = 0; e < 16; ++e) acc[e] = FIRST ? _mm512_setzero_si512() : _mm512_loadu_si512(d + 16 * e);
#pragma GCC unroll 2
    for (size_t g = 0; g < G; ++g) {
      const __m512i a = _mm512_loadu_si512(groups[g].stripe[0] + offset);
      const __m512i b = _mm512_loadu_si512(groups[g].stripe[1] + offset);
      const __m512i c = _mm512_loadu_si512(groups[g].stripe[2] + offset);
      const __m512i e4 = _mm512_loadu_si512(groups[g].stripe[3] + offset);
      const __m512i abLow = _mm512_unpacklo_epi8(a, b), abHigh = _mm512_unpackhi_epi8(a, b);
      const __m512i cdLow = _mm512_unpacklo_epi8(c, e4), cdHigh = _mm512_unpackhi_epi8(c, e4);
      const __m512i z[4] = {_mm512_unpacklo_epi16(abLow, cdLow), _mm512_unpackhi_epi16(abLow, cdLow),
                            _mm512_unpacklo_epi16(abHigh, cdHigh), _mm512_unpackhi_epi16(abHigh, cdHigh)};
#pragma GCC unroll 4
      for (size_t m = 0; m < 4; ++m)
#pragma GCC unroll 4
        for (size_t s = 0; s < 4; ++s)
          acc[4 * m + s] = StripeDot::dot(acc[4 * m + s], _mm512_and_si512(z[m], mask[s]), groups[g].x);
    }
#pragma GCC unroll 16
    for (size_t e = 0; e < 16; ++e) _mm512_storeu_si512(d + 16 * e, acc[e]);
  }
}

#include "../i8-stripe-run.inl"
