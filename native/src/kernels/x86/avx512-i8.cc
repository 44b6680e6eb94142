// AVX-512BW fused-i8 kernels for CPUs without VNNI (Skylake-SP, Cascade Lake's predecessors):
// the AVX2 scheme at twice the width, vpmaddubsw (unsigned codes x int8 activations, pairs
// added into int16) then vpmaddwd into int32. Compiled with AVX-512 target flags; reached only
// through dispatch.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "../i8-kernel-table.h"
#include "../isa-tables.h"
#include "../sparse-layout.h"
#include "x86-i8-quantize.inl"

namespace bitbench {
namespace {

struct V {
  using I = __m512i;
  using Acc = __m512i;
  // A vpmaddubsw lane is at most 2 * 2 * 127 = 508 in magnitude, so 64 fit in int16; 32 is
  // the same margin the AVX2 kernel keeps.
  using Partial = __m512i;
  static constexpr size_t kBytes = 64;
  static constexpr size_t kRowTile = 4;
  // 32 vector registers: four streams of four rows of partial sums fit beside the activations.
  static constexpr size_t kGemvStreams = 4;
  static constexpr size_t kPartialSteps = 32;

  static I load(const void* p) { return _mm512_loadu_si512(p); }
  static void store(void* p, I v) { _mm512_storeu_si512(p, v); }
  template <int S>
  static I plane(I w) {
    const I mask = _mm512_set1_epi8(3);
    return _mm512_and_si512(S ? _mm512_srli_epi16(w, 2 * S) : w, mask);
  }
  static Acc accZero() { return _mm512_setzero_si512(); }
  static int32_t hsum(Acc v) { return _mm512_reduce_add_epi32(v); }
  // One shift instead of three, as on AVX2 (avx2-i8.cc): planes 1 and 3 masked in place
  // (0x0c) give products four times too large, exactly divisible by 4, shifted back once.
  static void blockDot(Partial& p, I w, const I (&a)[4]) {
    const I low = _mm512_set1_epi8(3), high = _mm512_set1_epi8(12);
    const I w4 = _mm512_srli_epi16(w, 4);
    const I even = _mm512_add_epi16(_mm512_maddubs_epi16(_mm512_and_si512(w, low), a[0]),
                                    _mm512_maddubs_epi16(_mm512_and_si512(w4, low), a[2]));
    const I odd4 = _mm512_add_epi16(_mm512_maddubs_epi16(_mm512_and_si512(w, high), a[1]),
                                    _mm512_maddubs_epi16(_mm512_and_si512(w4, high), a[3]));
    p = _mm512_add_epi16(p, _mm512_add_epi16(even, _mm512_srai_epi16(odd4, 2)));
  }
  static Partial partialZero() { return _mm512_setzero_si512(); }
  static void partialAdd(Partial& p, I c, I a) { p = _mm512_add_epi16(p, _mm512_maddubs_epi16(c, a)); }
  static void flush(Acc& acc, Partial p) { acc = _mm512_add_epi32(acc, _mm512_madd_epi16(p, _mm512_set1_epi16(1))); }
};

#include "../i8-tiles.inl"
#include "../i8-sparse-tiles.inl"

// Signed int8 weights (the int8 LM head): vpmaddubsw wants one unsigned operand, so it gets
// |w| and the activations take w's sign. AVX-512BW has no vpsignb, so a masked subtract from
// zero negates the activations where w < 0. Neither side is ever -128, so nothing saturates.
inline __m512i activationsSignedBy(__m512i w, __m512i q) {
  return _mm512_mask_sub_epi8(q, _mm512_movepi8_mask(w), _mm512_setzero_si512(), q);
}

// Rows are qStride bytes (a multiple of 32 in the model); the last step loads under a mask.
inline __mmask64 tailMask(size_t remaining) {
  return remaining >= 64 ? ~__mmask64{0} : (__mmask64{1} << remaining) - 1;
}

void denseRows(const int8_t* weights, const float* rowScales, const I8KernelCall& c) {
  const __m512i ones = _mm512_set1_epi16(1);
  for (size_t row = c.rowBegin; row < c.rowEnd; ++row) {
    const int8_t* w = weights + row * c.qStride;
    for (size_t b = 0; b < c.batch; ++b) {
      const int8_t* q = c.q + b * c.qStride;
      __m512i acc = _mm512_setzero_si512();
      for (size_t i = 0; i < c.qStride; i += 64) {
        const __mmask64 m = tailMask(c.qStride - i);
        const __m512i wv = _mm512_maskz_loadu_epi8(m, w + i), qv = _mm512_maskz_loadu_epi8(m, q + i);
        const __m512i pairs = _mm512_maddubs_epi16(_mm512_abs_epi8(wv), activationsSignedBy(wv, qv));
        acc = _mm512_add_epi32(acc, _mm512_madd_epi16(pairs, ones));
      }
      c.y[b * c.n + row] = static_cast<float>(V::hsum(acc)) * (rowScales[row] * c.rows[b].dequant);
    }
  }
}

const I8KernelTable kTable = {
    .name = "avx512 fused-i8: vpmaddubsw + vpmaddwd zmm (int8 activations, 2-bit code planes)",
    .planeBytes = V::kBytes,
    .rowTile = V::kRowTile,
    .threadScratchBytes = i8ThreadScratchBytes,
    .run = i8RunTiles,
    .quantize = quantizeRowAvx2,
    .denseRows = denseRows,
    .sparseRun = i8SparseRun,
};

}  // namespace

const I8KernelTable& avx512I8Table() { return kTable; }

}  // namespace bitbench
