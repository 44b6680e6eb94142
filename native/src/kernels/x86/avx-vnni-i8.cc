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
#include "../stripe-layout.h"
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
  // Three streams of four rows of partial sums: with the activations they take all 16
  // registers, so a few partials live in L1 between blocks. Against two (avx2-i8.cc keeps
  // two), Emerald Rapids, 2 threads, both in one process, streams kept off 64 KiB multiples
  // (stream-split.h): cold 1.03-1.06x at 4096x4096 and the 2B-4T shapes, hot 0.99-1.01x.
  static constexpr size_t kGemvStreams = 3;
  // Cold weights, as on AVX2: 4096x4096, 2 threads, Sapphire Rapids: 0.208 -> 0.158 ms.
  static constexpr size_t kGemvPrefetchBytes = 1024;
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
  // p += vpdpbusd(c, a), through inline asm: GCC 12 does not tie the intrinsic's accumulator
  // to its output register and copied or spilled the partials of the unrolled loops on every
  // step, as it did on AVX2 and AVX-512 (avx2-i8.cc, avx512-vnni-i8.cc).
  static void partialAdd(Partial& p, I c, I a) {
    asm("%{vex%} vpdpbusd %[a], %[c], %[p]" : [p] "+x"(p) : [c] "x"(c), [a] "xm"(a));
  }
  static void flush(Acc& acc, Partial p) { acc = _mm256_add_epi32(acc, p); }

  // The int8 head (i8-dense-rows.inl), signed weights: vpdpbusd wants one unsigned operand, so
  // it gets |w| and the activations take w's sign (vpsignb); neither side is ever -128.
  static void headDot(Acc& acc, const int8_t* w, const int8_t* q, size_t) {
    const I wv = load(w);
    partialAdd(acc, _mm256_abs_epi8(wv), _mm256_sign_epi8(load(q), wv));
  }
};

#include "../i8-tiles.inl"
#include "../i8-sparse-tiles.inl"
#include "../i8-prefetch-variant.inl"

struct StripeDot {
  static __m256i dot(__m256i acc, __m256i codes, __m256i x) {
    V::partialAdd(acc, codes, x);
    return acc;
  }
};
#include "avx2-stripes.inl"

#include "../i8-dense-rows.inl"

constexpr I8KernelTable kTable = {
    .name = "avx-vnni fused-i8: {vex} vpdpbusd ymm (int8 activations, 2-bit code planes)",
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

// Zen 5 (dispatch's streamsOnHardwarePrefetch; Zen 4 has no AVX-VNNI): the batch-1 streams
// without software prefetch. Zen 5 (EPYC, family 1Ah), 2 threads, cold, both builds alternating
// in one process: 4096x4096 1.04-1.16x, 2560x6912 1.17x, 13824x2560 1.04x, 2560x2560 1.04x.
// The sparse kernel keeps it (without, 0.95x at 50% zero blocks).
constexpr I8KernelTable kHardwarePrefetchTable = i8HardwarePrefetchTable<V::kGemvStreams, V::kGemvPrefetchBytes>(
    kTable, "avx-vnni fused-i8: {vex} vpdpbusd ymm (int8 activations, 2-bit code planes)" BITBENCH_HARDWARE_PREFETCH_SUFFIX);

}  // namespace

const I8KernelTable& avxVnniI8Table() { return kTable; }
const I8KernelTable& avxVnniI8HardwarePrefetchTable() { return kHardwarePrefetchTable; }

}  // namespace bitbench
