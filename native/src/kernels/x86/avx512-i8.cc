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
#include "../stripe-layout.h"
#include "x86-i8-quantize.inl"

namespace bitbench {
namespace {

#include "avx512-signed-i8.inl"

struct V {
  using I = __m512i;
  using Acc = __m512i;
  // A vpmaddubsw lane is at most 2 * 2 * 127 = 508 in magnitude, so 64 fit in int16.
  using Partial = __m512i;
  static constexpr size_t kBytes = 64;
  static constexpr size_t kRowTile = 4;
  // 32 vector registers: four streams of four rows of partial sums fit beside the activations.
  static constexpr size_t kGemvStreams = 4;
  // Cold weights, as on AVX2: 4096x4096, 2 threads, Sapphire Rapids: 0.160 -> 0.136 ms.
  static constexpr size_t kGemvPrefetchBytes = 1024;
  static constexpr size_t kGemmBatchTile = 4;
  static constexpr size_t kGemmChunkBytes = 8192;
  static constexpr size_t kPartialSteps = 64;

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
  // p += vpmaddubsw(c, a), through inline asm for the reason avx2-i8.cc gives: GCC 12 copied
  // every partial of the unrolled batched loop once per step.
  static void partialAdd(Partial& p, I c, I a) {
    I t;
    asm("vpmaddubsw %[a], %[c], %[t]\n\tvpaddw %[t], %[p], %[p]" : [p] "+v"(p), [t] "=&v"(t) : [c] "v"(c), [a] "vm"(a));
  }
  static void flush(Acc& acc, Partial p) { acc = _mm512_add_epi32(acc, _mm512_madd_epi16(p, _mm512_set1_epi16(1))); }

  // The int8 head (i8-dense-rows.inl): |w| times the activations signed by w, pairs widened
  // to int32 at once (each at most 2 * 127 * 127).
  static void headDot(Acc& acc, const int8_t* w, const int8_t* q, size_t remaining) {
    const SignedOperands o = signedOperands(w, q, remaining);
    acc = _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(o.absW, o.signedQ), _mm512_set1_epi16(1)));
  }
};

#include "../i8-tiles.inl"
#include "../i8-sparse-tiles.inl"
#include "../i8-prefetch-variant.inl"

// Codes masked in place (up to 2 * 64) times activations (|q| <= 127): each vpmaddubsw pair at
// most 2 * 128 * 127 = 32512, exact in int16; vpmaddwd widens the pairs into int32.
struct StripeDot {
  static __m512i dot(__m512i acc, __m512i codes, __m512i x) {
    return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(codes, x), _mm512_set1_epi16(1)));
  }
};
#include "avx512-stripes.inl"

#include "../i8-dense-rows.inl"

constexpr I8KernelTable kTable = {
    .name = "avx512 fused-i8: vpmaddubsw + vpmaddwd zmm (int8 activations, 2-bit code planes)",
    .planeBytes = V::kBytes,
    .rowTile = V::kRowTile,
    .threadScratchBytes = i8ThreadScratchBytes,
    .run = i8RunTiles<>,
    .gemvSteps = i8GemvSteps<>,
    .gemvRunSteps = i8GemvRunSteps<>,
    .quantize = quantizeRowAvx2,
    .denseRows = i8DenseRowPairs,
    .sparseRun = i8SparseRun<>,
    .stripeRun = i8StripeRun,
};

// Zen 4 and Zen 5 (dispatch's streamsOnHardwarePrefetch): the batch-1 streams and the sparse kernel's
// without software prefetch, as avx512-vnni's there (avx512-vnni-i8.cc). Zen 4, 2 threads,
// cold, the two kernels alternating call by call in one process (5 rounds of 200 calls,
// medians of each pair's ratio): 4096x4096 1.06-1.13x, 6912x2560 1.02-1.03x, 2560x6912
// 1.19-1.25x, 2560x2560 1.22x; sparse at 30% and 50% zero blocks 1.11x and 1.12x; hot 1.00x.
// Zen 5 (EPYC, family 1Ah), 4096x4096, cold, alternating rounds: 1.34x; sparse 0.96-1.02x.
constexpr I8KernelTable kHardwarePrefetchTable =
    i8HardwarePrefetchTable(kTable, "avx512 fused-i8: vpmaddubsw + vpmaddwd zmm (int8 activations, 2-bit code planes)"
                                     BITBENCH_HARDWARE_PREFETCH_SUFFIX);

}  // namespace

const I8KernelTable& avx512I8Table() { return kTable; }
const I8KernelTable& avx512I8HardwarePrefetchTable() { return kHardwarePrefetchTable; }

}  // namespace bitbench
