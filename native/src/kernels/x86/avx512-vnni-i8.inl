// AVX-512 VNNI fused-i8 kernels (Cascade Lake, Ice Lake, Sapphire Rapids, Zen 4 and later):
// vpdpbusd multiplies four unsigned codes by four int8 activations and adds them straight
// into an int32 lane, so neither the int16 step of vpmaddubsw nor its flushes are needed.
// Included by three units, each with AVX-512 + VNNI target flags and reached only through
// dispatch, which differ in how batch 1 unpacks the code planes: avx512-vnni-i8.cc with shifts
// and masks, avx512-vnni-gfni-i8.cc (with GFNI target flags as well, for the CPUs that have
// it) with gf2p8affineqb, and avx512-vnni-scaled-i8.cc with masks alone, into four partial
// sums (Zen 4). Each defines BITBENCH_GFNI_PLANES and BITBENCH_SCALED_PLANES (0 or 1) first,
// and after the include names its tables: kTable and kHardwarePrefetchTable.
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

// acc += unsigned bytes u times signed bytes s, four per int32 lane. Through inline asm: GCC 12
// does not tie the intrinsic's accumulator to its output register, and copies every
// accumulator of an unrolled loop once per step (32 extra moves per step in the 4x4 GEMM).
inline __m512i dpbusd(__m512i acc, __m512i u, __m512i s) {
  asm("vpdpbusd %[s], %[u], %[acc]" : [acc] "+v"(acc) : [u] "v"(u), [s] "v"(s));
  return acc;
}

#include "avx512-signed-i8.inl"

struct V {
  using I = __m512i;
  using Acc = __m512i;
  // vpdpbusd accumulates in int32, at most 4 * 2 * 127 = 1016 per lane and step: 2^20 steps
  // stay below 2^31, so the partial sums are the accumulators and need no early flush.
  using Partial = __m512i;
  static constexpr size_t kBytes = 64;
  static constexpr size_t kRowTile = 4;
  // Three streams of four rows, each row's partial two registers (BlockPartial): 24 of the 32
  // beside the activations and the codes (four need 32 for the partials alone). Against two,
  // with streams kept off 64 KiB multiples (stream-split.h), Emerald Rapids, cold, 2 threads,
  // both in one process: 1.01-1.03x at 4096 x 4096 and the 2B-4T shapes. The hardware
  // prefetch table below keeps two (on Zen 4 the third ran 0.96-0.99x cold and 0.94x hot,
  // alternating call by call); the scaled unpack's four partials a row leave registers for one.
  static constexpr size_t kGemvStreams = BITBENCH_SCALED_PLANES ? 1 : 3;
  static constexpr size_t kGemmBatchTile = 4;
  // Cold weights, as on AVX2 (avx2-i8.cc): 4096x4096, 2 threads, Sapphire Rapids: cold 1.19x
  // against none (2 KiB ahead: 1.03x more, kept at 1 KiB). Zen 4 and Zen 5 are the other way
  // round and run kHardwarePrefetchTable below (Zen 5's 1.03-1.12x for it was prefetchnta's).
  static constexpr size_t kGemvPrefetchBytes = 1024;
  static constexpr size_t kGemmChunkBytes = 8192;
  // The scaled unpack's x64 partial takes at most 4 * 128 * 127 a block: 2^15 blocks
  // (kPartialSteps / 4) stay below 2^31.
  static constexpr size_t kPartialSteps = BITBENCH_SCALED_PLANES ? 1u << 17 : 1u << 20;

  static I load(const void* p) { return _mm512_loadu_si512(p); }
  static void store(void* p, I v) { _mm512_storeu_si512(p, v); }
  template <int S>
  static I plane(I w) {
    const I mask = _mm512_set1_epi8(3);
    return _mm512_and_si512(S ? _mm512_srli_epi16(w, 2 * S) : w, mask);
  }
  static Acc accZero() { return _mm512_setzero_si512(); }
  static int32_t hsum(Acc v) { return _mm512_reduce_add_epi32(v); }
  // Batch 1, one shift instead of three: planes 1 and 3 are masked in place (0x0c), so their
  // products come out four times too large; they gather in a partial of their own, every lane
  // a multiple of 4, shifted back once at the flush. (At most 2 * 4 * 1016 per block in odd4:
  // 2^18 blocks, kPartialSteps / 4, stay below 2^31.)
#if BITBENCH_SCALED_PLANES
  // Or no shift at all: every plane masked in place, 1, 4, 16 and 64 times too large, each
  // scale in a partial of its own, shifted back at the flush: 4 masks and 4 vpdpbusd per 64
  // code bytes where the shift takes 9 instructions. Four partials a row fit one stream of
  // four rows in the registers (two spilled: 0.72x). Zen 4, 2 threads, hot, against the shift
  // with its two streams, the builds alternating call by call: 4096x4096 1.01-1.10x, 2560x6912
  // 1.03-1.07x, 6912x2560 1.04-1.07x, 2560x2560 1.02x, 640x2560 1.04x (the shift with one
  // stream: 1.02-1.04x); cold 0.98-1.03x; the sparse kernel hot 1.01x, cold 0.98x.
  struct BlockPartial {
    __m512i even, odd4, x16, x64;
  };
  static BlockPartial blockZero() {
    return {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
  }
#else
  struct BlockPartial {
    __m512i even, odd4;
  };
  static BlockPartial blockZero() { return {_mm512_setzero_si512(), _mm512_setzero_si512()}; }
#endif
  static void blockDot(BlockPartial& p, I w, const I (&a)[4]) {
    const I low = _mm512_set1_epi8(3), high = _mm512_set1_epi8(12);
#if BITBENCH_SCALED_PLANES
    p.even = dpbusd(p.even, _mm512_and_si512(w, low), a[0]);
    p.odd4 = dpbusd(p.odd4, _mm512_and_si512(w, high), a[1]);
    p.x16 = dpbusd(p.x16, _mm512_and_si512(w, _mm512_set1_epi8(0x30)), a[2]);
    p.x64 = dpbusd(p.x64, _mm512_and_si512(w, _mm512_set1_epi8(static_cast<char>(0xc0))), a[3]);
#elif BITBENCH_GFNI_PLANES
    // Planes 2 and 3 by one gf2p8affineqb each, a bit matrix applied to every byte: bits 4-5
    // to bits 0-1, and bits 6-7 to bits 2-3 (four times too large, as plane 1). 8 vector
    // instructions per 64 code bytes where the shift takes 9. (Byte j of a matrix qword is
    // the mask of input bits that make output bit 7 - j.) Emerald Rapids, 2 threads, hot,
    // both builds alternating in one process: 4096x4096 1.07x, 2560x6912 1.12x, 6912x2560
    // 1.09x, 640x2560 1.09x; cold 1.03x. In the batched kernel's step, where the decode is
    // shared by four activation rows, the same change ran 0.98x: that step keeps the shifts.
    const I plane2 = _mm512_set1_epi64(0x1020000000000000LL), plane3x4 = _mm512_set1_epi64(0x0000408000000000LL);
    p.even = dpbusd(p.even, _mm512_and_si512(w, low), a[0]);
    p.odd4 = dpbusd(p.odd4, _mm512_and_si512(w, high), a[1]);
    p.even = dpbusd(p.even, _mm512_gf2p8affine_epi64_epi8(w, plane2, 0), a[2]);
    p.odd4 = dpbusd(p.odd4, _mm512_gf2p8affine_epi64_epi8(w, plane3x4, 0), a[3]);
#else
    const I w4 = _mm512_srli_epi16(w, 4);
    p.even = dpbusd(p.even, _mm512_and_si512(w, low), a[0]);
    p.odd4 = dpbusd(p.odd4, _mm512_and_si512(w, high), a[1]);
    p.even = dpbusd(p.even, _mm512_and_si512(w4, low), a[2]);
    p.odd4 = dpbusd(p.odd4, _mm512_and_si512(w4, high), a[3]);
#endif
  }
  static void blockFlush(Acc& acc, const BlockPartial& p) {
    acc = _mm512_add_epi32(acc, _mm512_add_epi32(p.even, _mm512_srai_epi32(p.odd4, 2)));
#if BITBENCH_SCALED_PLANES
    acc = _mm512_add_epi32(acc, _mm512_add_epi32(_mm512_srai_epi32(p.x16, 4), _mm512_srai_epi32(p.x64, 6)));
#endif
  }
  static Partial partialZero() { return _mm512_setzero_si512(); }
  static void partialAdd(Partial& p, I c, I a) { p = dpbusd(p, c, a); }
  // The batched kernel's step (i8GemmChunk4x4): codes c0 (x*) and c1 (y*) times activation
  // rows a0..a3, eight products in one asm statement. With a statement per product GCC 12
  // still moved three or four accumulators through spare registers every step (each there and
  // back: seven moves per sixteen vpdpbusd). Zen 4, 2 threads, hot, both builds alternating
  // in one process, medians of 7 rounds, at 4096x4096 and the 2B-4T shapes (2560x6912,
  // 6912x2560, 2560x2560, 640x2560): batch 64 1.04-1.10x, batch 32 1.06-1.12x. The 2B-4T
  // decode at batch 32 did not move (5 alternating runs: 111.7 against 111.5 tokens/s).
  // Two statements, not one: GCC allows 30 operands, and each accumulator counts twice.
  static void rowPairDots(Partial& x0, Partial& x1, Partial& x2, Partial& x3, Partial& y0, Partial& y1,
                          Partial& y2, Partial& y3, I c0, I c1, I a0, I a1, I a2, I a3) {
    asm("vpdpbusd %[a0], %[c0], %[x0]\n\t"
        "vpdpbusd %[a1], %[c0], %[x1]\n\t"
        "vpdpbusd %[a2], %[c0], %[x2]\n\t"
        "vpdpbusd %[a3], %[c0], %[x3]\n\t"
        "vpdpbusd %[a0], %[c1], %[y0]\n\t"
        "vpdpbusd %[a1], %[c1], %[y1]\n\t"
        "vpdpbusd %[a2], %[c1], %[y2]\n\t"
        "vpdpbusd %[a3], %[c1], %[y3]"
        : [x0] "+v"(x0), [x1] "+v"(x1), [x2] "+v"(x2), [x3] "+v"(x3), [y0] "+v"(y0), [y1] "+v"(y1), [y2] "+v"(y2),
          [y3] "+v"(y3)
        : [a0] "v"(a0), [a1] "v"(a1), [a2] "v"(a2), [a3] "v"(a3), [c0] "v"(c0), [c1] "v"(c1));
  }
  static void flush(Acc& acc, Partial p) { acc = _mm512_add_epi32(acc, p); }

  // The int8 head at batch 1 (i8-dense-rows.inl): |w| times the activations signed by w.
  static void headDot(Acc& acc, const int8_t* w, const int8_t* q, size_t remaining) {
    const SignedOperands o = signedOperands(w, q, remaining);
    acc = dpbusd(acc, o.absW, o.signedQ);
  }
};

#include "../i8-tiles.inl"
#include "../i8-sparse-tiles.inl"
#include "../i8-prefetch-variant.inl"
struct StripeDot {
  static __m512i dot(__m512i acc, __m512i codes, __m512i x) { return dpbusd(acc, codes, x); }
};
#include "avx512-stripes.inl"

// Batched (the LM head at batch > 1): tiles of R weight rows by B activation rows, so each
// weight load serves B products and each activation load R (one weight row against four
// activation rows ran the 2B-4T head at batch 32 at about 230 GOPS on Zen 4, a third of the
// ternary GEMM's rate). The activations are made unsigned instead of the weights signless:
// u = q + 128 (an xor), so w . q = w . u - 128 * sum(w), and one vpdpbusd per pair needs no
// sign work. Sums stay below 2^31 for rows up to 66K columns.
constexpr size_t kHeadRows = 4;
constexpr size_t kHeadBatch = 4;

// 128 * sum(w) of one row: what u = q + 128 adds to its products.
inline int32_t unsignedOffset(const int8_t* w, size_t qStride) {
  const __m512i ones = _mm512_set1_epi8(1);
  __m512i sum = _mm512_setzero_si512();
  for (size_t i = 0; i < qStride; i += 64) sum = dpbusd(sum, ones, _mm512_maskz_loadu_epi8(tailMask(qStride - i), w + i));
  return 128 * V::hsum(sum);
}

// The lane sums of a, b, c and d, in that order: the four reduced together (13 instructions,
// against 4 x 9 for four _mm512_reduce_add_epi32), as the head's tile ends every 2560 columns.
inline __m128i sumsOfFour(__m512i a, __m512i b, __m512i c, __m512i d) {
  // Per 128-bit block: a0+a2, b0+b2, a1+a3, b1+b3 (and c, d), then the block's four sums.
  const __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));
  const __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(c, d), _mm512_unpackhi_epi32(c, d));
  const __m512i blocks = _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
  const __m256i halves = _mm256_add_epi32(_mm512_castsi512_si256(blocks), _mm512_extracti64x4_epi64(blocks, 1));
  return _mm_add_epi32(_mm256_castsi256_si128(halves), _mm256_extracti128_si256(halves, 1));
}

template <size_t R, size_t B>
void denseHeadTile(const int8_t* weights, const float* rowScales, const int32_t* offsets, size_t row0, size_t b0,
                   const I8KernelCall& c) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i acc[R][B];
  for (size_t r = 0; r < R; ++r)
    for (size_t b = 0; b < B; ++b) acc[r][b] = _mm512_setzero_si512();
  const int8_t* w = weights + row0 * c.qStride;
  const int8_t* q = c.q + b0 * c.qStride;
  for (size_t i = 0; i < c.qStride; i += 64) {
    const __mmask64 m = tailMask(c.qStride - i);
    __m512i wv[R];
    for (size_t r = 0; r < R; ++r) wv[r] = _mm512_maskz_loadu_epi8(m, w + r * c.qStride + i);
    for (size_t b = 0; b < B; ++b) {
      // Lanes past the row load as zero: u = 128 there, against a zero weight.
      const __m512i u = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, q + b * c.qStride + i), flip);
      // dpbusd(): the intrinsic moved every accumulator through the stack once per step.
      for (size_t r = 0; r < R; ++r) acc[r][b] = dpbusd(acc[r][b], u, wv[r]);
    }
  }
  if constexpr (B == 4) {
    // Each weight row's four sums at once (sumsOfFour), scaled as four lanes: the same
    // arithmetic, one rounding each, as the scalar stores below.
    const __m128 dequant = _mm_setr_ps(c.rows[b0].dequant, c.rows[b0 + 1].dequant, c.rows[b0 + 2].dequant,
                                       c.rows[b0 + 3].dequant);
#pragma GCC unroll 4
    for (size_t r = 0; r < R; ++r) {
      const __m128i sums = _mm_sub_epi32(sumsOfFour(acc[r][0], acc[r][1], acc[r][2], acc[r][3]), _mm_set1_epi32(offsets[r]));
      alignas(16) float out[4];
      _mm_store_ps(out, _mm_mul_ps(_mm_cvtepi32_ps(sums), _mm_mul_ps(_mm_set1_ps(rowScales[row0 + r]), dequant)));
      for (size_t b = 0; b < 4; ++b) c.y[(b0 + b) * c.n + row0 + r] = out[b];
    }
    return;
  }
  // Unrolled: as loops, GCC 12 kept acc in memory and stored every accumulator each step.
#pragma GCC unroll 4
  for (size_t r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (size_t b = 0; b < B; ++b)
      c.y[(b0 + b) * c.n + row0 + r] =
          static_cast<float>(V::hsum(acc[r][b]) - offsets[r]) * (rowScales[row0 + r] * c.rows[b0 + b].dequant);
}

// Every activation row of R weight rows: whole tiles of kHeadBatch, then the rest.
template <size_t R>
void denseHeadRows(const int8_t* weights, const float* rowScales, size_t row0, const I8KernelCall& c) {
  int32_t offsets[R];
  for (size_t r = 0; r < R; ++r) offsets[r] = unsignedOffset(weights + (row0 + r) * c.qStride, c.qStride);
  size_t b0 = 0;
  for (; b0 + kHeadBatch <= c.batch; b0 += kHeadBatch) denseHeadTile<R, kHeadBatch>(weights, rowScales, offsets, row0, b0, c);
  switch (c.batch - b0) {
    case 3: return denseHeadTile<R, 3>(weights, rowScales, offsets, row0, b0, c);
    case 2: return denseHeadTile<R, 2>(weights, rowScales, offsets, row0, b0, c);
    case 1: return denseHeadTile<R, 1>(weights, rowScales, offsets, row0, b0, c);
    default: return;
  }
}
static_assert(kHeadBatch == 4, "denseHeadRows names the remainders 1 to 3");

#include "../i8-dense-rows.inl"

void denseRows(const int8_t* weights, const float* rowScales, const I8KernelCall& c) {
  if (c.batch == 1) return i8DenseRowPairs(weights, rowScales, c);
  size_t row = c.rowBegin;
  for (; row + kHeadRows <= c.rowEnd; row += kHeadRows) denseHeadRows<kHeadRows>(weights, rowScales, row, c);
  for (; row < c.rowEnd; ++row) denseHeadRows<1>(weights, rowScales, row, c);
}

constexpr I8KernelTable kTable = {
#if BITBENCH_SCALED_PLANES
    .name = "avx512-vnni fused-i8: vpdpbusd zmm (int8 activations, 2-bit code planes, batch 1 masked into four scaled sums)",
#elif BITBENCH_GFNI_PLANES
    .name = "avx512-vnni fused-i8: vpdpbusd zmm (int8 activations, 2-bit code planes, batch 1 unpacked by gf2p8affineqb)",
#else
    .name = "avx512-vnni fused-i8: vpdpbusd zmm (int8 activations, 2-bit code planes)",
#endif
    .planeBytes = V::kBytes,
    .rowTile = V::kRowTile,
    .threadScratchBytes = i8ThreadScratchBytes,
    .run = i8RunTiles<>,
    .gemvSteps = i8GemvSteps<>,
    .gemvRunSteps = i8GemvRunSteps<>,
    .quantize = quantizeRowAvx2,
    .denseRows = denseRows,
    .sparseRun = i8SparseRun<>,
    .stripeRun = i8StripeRun,
};

// Zen 4 and Zen 5 (dispatch's streamsOnHardwarePrefetch): the batch-1 streams without software
// prefetch, which there cost the cold GEMV 1.08-1.13x (4096x4096, 2 threads, 2 GB cold pool,
// medians of 16 and 30 interleaved rounds; 2B-4T int8-head decode about 1.04x); the sparse
// kernel's streams too (with it, 1.27x -> 1.21x dense at 30% zero blocks, cold). Emerald
// Rapids wants it there as in the dense kernel: without, 1.32x -> 1.06x. Two streams: a
// third ran 0.96-0.99x cold there (4096x4096, 6912x2560, 2560x6912), 0.94x hot. Zen 5 (EPYC,
// family 1Ah), cold, 4096x4096, both builds alternating in one process: 1.16x with 2 threads
// while the host read memory at 75-80 GB/s, 1.00-1.03x (and the 2B-4T shapes 0.99-1.00x) while
// it read 47-51; 1 thread 1.18-1.19x, 16384x4096 1.16x; three streams without it 1.10x.
// (The scaled unpack's one stream, as its kTable's.)
constexpr I8KernelTable kHardwarePrefetchTable = i8HardwarePrefetchTable<BITBENCH_SCALED_PLANES ? 1 : 2>(
    kTable, BITBENCH_SCALED_PLANES ? "avx512-vnni fused-i8: vpdpbusd zmm (int8 activations, 2-bit code planes, batch 1 "
                                     "masked into four scaled sums)" BITBENCH_HARDWARE_PREFETCH_SUFFIX
            : BITBENCH_GFNI_PLANES ? "avx512-vnni fused-i8: vpdpbusd zmm (int8 activations, 2-bit code planes, batch 1 "
                                     "unpacked by gf2p8affineqb)" BITBENCH_HARDWARE_PREFETCH_SUFFIX
                                   : "avx512-vnni fused-i8: vpdpbusd zmm (int8 activations, 2-bit code planes)"
                                     BITBENCH_HARDWARE_PREFETCH_SUFFIX);

}  // namespace
}  // namespace bitbench
