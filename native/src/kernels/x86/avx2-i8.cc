// AVX2 fused-i8 kernels (Haswell, Zen 1 and later): vpmaddubsw multiplies the unsigned codes
// by the int8 activations and adds pairs into int16, vpmaddwd widens to int32. Compiled with
// AVX2 target flags; reached only through dispatch.
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
  // Each vpmaddubsw lane is at most 2 * 2 * 127 = 508 in magnitude (codes <= 2, |q| <= 127,
  // never -128), so 64 of them sum to at most 32512: exact in int16.
  using Partial = __m256i;
  static constexpr size_t kBytes = 32;
  static constexpr size_t kRowTile = 4;
  // Two streams of four rows of partial sums, the activations and the codes fill 16 registers.
  // A third stream (a few partials then live in L1 between blocks) read 1.03-1.07x faster cold
  // on Emerald Rapids and cost nothing there compute-bound, but this kernel is the one AMD Zen
  // 2 and 3 run, where it was not measured and the hot kernel is ALU-bound: kept at two. On Zen
  // 4 the third ran 0.99-1.00x cold and 0.99x hot (alternating call by call).
  static constexpr size_t kGemvStreams = 2;
  static constexpr size_t kPartialSteps = 64;
  // Cold weights: the hardware prefetcher alone left the two streams waiting on DRAM
  // (4096x4096 cold, 2 threads, Zen 3: 0.197 -> 0.172 ms with 1 KiB ahead, hot unchanged;
  // Sapphire Rapids: 0.222 -> 0.156 ms).
  static constexpr size_t kGemvPrefetchBytes = 1024;

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
  // One shift instead of three: planes 1 and 3 are masked in place (0x0c), so their products
  // come out four times too large, exactly divisible by 4 (every lane is 4 * (c a + c' a'));
  // their sum, at most 2 * 2032, is shifted back before joining planes 0 and 2.
  static void blockDot(Partial& p, I w, const I (&a)[4]) {
    const I low = _mm256_set1_epi8(3), high = _mm256_set1_epi8(12);
    const I w4 = _mm256_srli_epi16(w, 4);
    const I even = _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(w, low), a[0]),
                                    _mm256_maddubs_epi16(_mm256_and_si256(w4, low), a[2]));
    const I odd4 = _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(w, high), a[1]),
                                    _mm256_maddubs_epi16(_mm256_and_si256(w4, high), a[3]));
    p = _mm256_add_epi16(p, _mm256_add_epi16(even, _mm256_srai_epi16(odd4, 2)));
  }
  // The batch-1 kernel's block dot: blockDot's arithmetic with the activations as memory
  // operands of vpmaddubsw and the even planes added straight into the partial. Two streams of
  // four partials, four activations, two masks and the temporaries are more than AVX2's 16
  // registers: with the activations in registers GCC kept the partials on the stack, a load,
  // add and store per row and block. 4096x4096 hot, Zen 4 with AVX-512 hidden (AVX2 only),
  // both alternating call by call: 1.03-1.04x with 1 thread and 2; cold 1.00-1.04x. Zen 3
  // (2 vCPUs, the same way): hot 1.03-1.07x with 2 threads, 1.06-1.08x with 1; cold 1.01-1.06x.
  static void blockDotFromMemory(Partial& p, I w, const int8_t* q) {
    const I low = _mm256_set1_epi8(3), high = _mm256_set1_epi8(12);
    const auto* a = reinterpret_cast<const __m256i*>(q);
    I w4, m, odd;
    asm("vpsrlw $4, %[w], %[w4]\n\t"
        "vpand %[low], %[w], %[m]\n\t"
        "vpmaddubsw %[a0], %[m], %[m]\n\t"
        "vpaddw %[m], %[p], %[p]\n\t"
        "vpand %[high], %[w], %[odd]\n\t"
        "vpmaddubsw %[a1], %[odd], %[odd]\n\t"
        "vpand %[low], %[w4], %[m]\n\t"
        "vpmaddubsw %[a2], %[m], %[m]\n\t"
        "vpaddw %[m], %[p], %[p]\n\t"
        "vpand %[high], %[w4], %[m]\n\t"
        "vpmaddubsw %[a3], %[m], %[m]\n\t"
        "vpaddw %[m], %[odd], %[odd]\n\t"
        "vpsraw $2, %[odd], %[odd]\n\t"
        "vpaddw %[odd], %[p], %[p]"
        : [p] "+x"(p), [w4] "=&x"(w4), [m] "=&x"(m), [odd] "=&x"(odd)
        : [w] "x"(w), [low] "x"(low), [high] "x"(high), [a0] "m"(a[0]), [a1] "m"(a[1]), [a2] "m"(a[2]),
          [a3] "m"(a[3]));
  }
  static Partial partialZero() { return _mm256_setzero_si256(); }
  // p += vpmaddubsw(c, a), through inline asm: GCC 12 does not keep the intrinsics'
  // accumulator in its own register, and in the batched kernel's unrolled loop copied or
  // spilled partials on every step (4096x4096 batch 64, 2 threads, Zen 3: 214 -> 251 GOPS).
  static void partialAdd(Partial& p, I c, I a) {
    I t;
    asm("vpmaddubsw %[a], %[c], %[t]\n\tvpaddw %[t], %[p], %[p]" : [p] "+x"(p), [t] "=&x"(t) : [c] "x"(c), [a] "xm"(a));
  }
  static void flush(Acc& acc, Partial p) { acc = _mm256_add_epi32(acc, _mm256_madd_epi16(p, _mm256_set1_epi16(1))); }

  // The int8 head (i8-dense-rows.inl), signed weights: vpmaddubsw wants one unsigned operand,
  // so it gets |w| and the activations take w's sign (vpsignb). Products are at most
  // 127 * 127, pairs 32258: no saturation, since neither side is ever -128.
  static constexpr size_t kHeadPrefetchBytes = kGemvPrefetchBytes;
  static void headDot(Acc& acc, const int8_t* w, const int8_t* q, size_t) {
    const I wv = load(w);
    const I pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(wv, wv), _mm256_sign_epi8(load(q), wv));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
  }
};

#include "../i8-tiles.inl"
#include "../i8-sparse-tiles.inl"
#include "../i8-prefetch-variant.inl"

// Codes masked in place (up to 2 * 64) times activations (|q| <= 127): each vpmaddubsw pair at
// most 2 * 128 * 127 = 32512, exact in int16; vpmaddwd widens the pairs into int32.
struct StripeDot {
  static __m256i dot(__m256i acc, __m256i codes, __m256i x) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(codes, x), _mm256_set1_epi16(1)));
  }
};
#include "avx2-stripes.inl"

#include "../i8-dense-rows.inl"

constexpr I8KernelTable kTable = {
    .name = "avx2 fused-i8: vpmaddubsw + vpmaddwd (int8 activations, 2-bit code planes)",
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

// Zen 5 (dispatch's avx2StreamsOnHardwarePrefetch): the batch-1 streams without software
// prefetch. Zen 5 (EPYC, family 1Ah), 2 threads, cold, both builds alternating in one process:
// 4096x4096 1.06-1.08x, 2560x6912 1.18x, 13824x2560 1.08x, 2560x2560 1.04x. The sparse kernel
// keeps it (without, 0.94x at 50% zero blocks). Not on Zen 4 (0.93-1.06x by shape) nor on Zen 2
// and 3, which read 1.15x faster with it.
constexpr I8KernelTable kHardwarePrefetchTable = i8HardwarePrefetchTable<V::kGemvStreams, V::kGemvPrefetchBytes>(
    kTable, "avx2 fused-i8: vpmaddubsw + vpmaddwd (int8 activations, 2-bit code planes)" BITBENCH_HARDWARE_PREFETCH_SUFFIX);

}  // namespace

const I8KernelTable& avx2I8Table() { return kTable; }
const I8KernelTable& avx2I8HardwarePrefetchTable() { return kHardwarePrefetchTable; }

}  // namespace bitbench
