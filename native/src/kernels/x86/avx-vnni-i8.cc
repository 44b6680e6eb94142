// AVX-VNNI fused-i8 kernels (Alder Lake and later client cores, Sapphire Rapids, Zen 5):
// the VEX-encoded 256-bit vpdpbusd, for CPUs that have it without AVX-512 (or where 256-bit
// vectors are the better choice). Compiled with -mavxvnni and without AVX-512 flags, so the
// intrinsic can only emit the {vex} form; reached only through dispatch.
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
  using I = __m256i;
  using Acc = __m256i;
  // vpdpbusd accumulates in int32, at most 4 * 2 * 127 = 1016 per lane and step: 2^20 steps
  // stay below 2^31, so the partial sums are the accumulators and need no early flush.
  using Partial = __m256i;
  static constexpr size_t kBytes = 32;
  static constexpr size_t kRowTile = 4;
  // Two streams of four rows of partial sums, the activations and the codes fill 16 registers.
  static constexpr size_t kGemvStreams = 2;
  static constexpr size_t kPartialSteps = 1u << 20;

  static I load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
  static void store(void* p, I v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }
  template <int S>
  static I plane(I w) {
    const I mask = _mm256_set1_epi8(3);
    return _mm256_and_si256(S ? _mm256_srli_epi16(w, 2 * S) : w, mask);
  }
  static Acc accZero() { return _mm256_setzero_si256(); }
  static int32_t hsum(Acc v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
  }
  static Partial partialZero() { return _mm256_setzero_si256(); }
  static void partialAdd(Partial& p, I c, I a) { p = _mm256_dpbusd_avx_epi32(p, c, a); }
  static void flush(Acc& acc, Partial p) { acc = _mm256_add_epi32(acc, p); }
};

#include "../i8-tiles.inl"
#include "../i8-sparse-tiles.inl"

// Signed int8 weights (the int8 LM head): vpdpbusd wants one unsigned operand, so it gets |w|
// and the activations take w's sign (vpsignb); neither side is ever -128. Rows are qStride
// bytes, a multiple of 32 as for the AVX2 kernel.
void denseRows(const int8_t* weights, const float* rowScales, const I8KernelCall& c) {
  for (size_t row = c.rowBegin; row < c.rowEnd; ++row) {
    const int8_t* w = weights + row * c.qStride;
    for (size_t b = 0; b < c.batch; ++b) {
      const int8_t* q = c.q + b * c.qStride;
      __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
      size_t i = 0;
      for (; i + 64 <= c.qStride; i += 64) {
        const __m256i w0 = V::load(w + i), w1 = V::load(w + i + 32);
        acc0 = _mm256_dpbusd_avx_epi32(acc0, _mm256_abs_epi8(w0), _mm256_sign_epi8(V::load(q + i), w0));
        acc1 = _mm256_dpbusd_avx_epi32(acc1, _mm256_abs_epi8(w1), _mm256_sign_epi8(V::load(q + i + 32), w1));
      }
      for (; i < c.qStride; i += 32) {
        const __m256i w0 = V::load(w + i);
        acc0 = _mm256_dpbusd_avx_epi32(acc0, _mm256_abs_epi8(w0), _mm256_sign_epi8(V::load(q + i), w0));
      }
      const int32_t dot = V::hsum(_mm256_add_epi32(acc0, acc1));
      c.y[b * c.n + row] = static_cast<float>(dot) * (rowScales[row] * c.rows[b].dequant);
    }
  }
}

const I8KernelTable kTable = {
    .name = "avx-vnni fused-i8: {vex} vpdpbusd ymm (int8 activations, 2-bit code planes)",
    .planeBytes = V::kBytes,
    .rowTile = V::kRowTile,
    .threadScratchBytes = i8ThreadScratchBytes,
    .run = i8RunTiles,
    .quantize = quantizeRowAvx2,
    .denseRows = denseRows,
    .sparseRun = i8SparseRun,
};

}  // namespace

const I8KernelTable& avxVnniI8Table() { return kTable; }

}  // namespace bitbench
