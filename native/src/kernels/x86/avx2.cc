// AVX2 + FMA kernels (Haswell, Zen 1 and later). Compiled with AVX2 target flags; reached
// only through dispatch. Includes nothing that instantiates shared inline library code.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "../kernel-table.h"
#include "../quintet-code.h"
#include "../isa-tables.h"

namespace bitbench {
namespace {

struct V {
  using F = __m256;
  using I = __m256i;
  static constexpr size_t kLanes = 8;
  // 16 vector registers: eight accumulators, three weights and the code words fit.
  static constexpr size_t kMaxBatchChunk = 8;

  static F zero() { return _mm256_setzero_ps(); }
  static F set1(float v) { return _mm256_set1_ps(v); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F loadu(const float* p) { return _mm256_loadu_ps(p); }
  static F loadBf16(const uint16_t* p) {
    const __m128i half = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(half), 16));
  }
  static F loadI8(const int8_t* p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  }
  static void storeu(float* p, F v) { _mm256_storeu_ps(p, v); }
  static void storePartial(float* p, F v, size_t count) {
    alignas(32) float lanes[kLanes];
    _mm256_store_ps(lanes, v);
    for (size_t i = 0; i < count; ++i) p[i] = lanes[i];
  }
  static float hsum(F v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  // For the sign-bit kernel (fused-tiles.inl, pairs layout): code c (0, 1, 2 for w = -1, 0,
  // +1), inverted, is 11, 10, 01; moved to bits 31:30 and masked, that is the fp32 bit
  // pattern of -2.0, -0.0 or +2.0, i.e. 2w. A shift and an AND per eight weights instead of a
  // table lookup; the caller folds 1/2 into the output scale. Scaling by powers of two is
  // exact, so every output (the sign of zero included: a -0.0 product never turns the +0.0
  // accumulator negative) is bit for bit the one weights of +-1 give, short of overflow within
  // a factor of two of FLT_MAX.
  static I loadWords(const uint32_t* p) {
    return _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), _mm256_set1_epi32(-1));
  }
  template <int S>
  static F weights(I words) {
    const I top = S == 15 ? words : _mm256_slli_epi32(words, 30 - 2 * S);
    return _mm256_castsi256_ps(_mm256_and_si256(top, _mm256_set1_epi32(static_cast<int>(0xC0000000u))));
  }
};

#include "../dense-rows.inl"
#include "../fused-tiles.inl"
#include "../panel-walk.inl"
#include "../fused-pair-panels.inl"
#include "avx2-quintets.inl"

constexpr KernelTable kTable = {
    .fusedLayout = FusedLayout::kCodeQuintets,
    .fusedRowTile = V::kLanes,
    .fusedKernelName = "avx2 fused: quintet codes, three vpermps LUTs of activation sums per 5 weights (batches: four activation rows at a time)",
    .fusedThreadScratchBytes = quintetTableBytes,
    .fusedRun = quintetRun,
    .denseF32KernelName = "avx2 dense fp32 (builtin)",
    .denseF32Run = denseF32Rows,
    .denseBf16KernelName = "avx2 bf16 widened to fp32 + FMA",
    .denseBf16Run = denseBf16Rows,
    .denseBf16ReadsBf16Activations = false,
    .denseI8Run = denseI8Rows,
    .sparseFusedKernelName = "avx2 sparse fused: the quintet LUT kernel over a column-panel copy, nonzero 60-column panels only",
    .sparseFusedRun = quintetSkipZeroBlocks,
    .sparseFusedCopy = true,
    .sparseFusedLayout = FusedLayout::kCodeQuintetPanels,
    .sparseFusedBlockColumns = kQuintetBlockColumns,
    // Every size pays, the tables being built once per call (2 threads, cold from a 256 MB pool,
    // 50% zero values, against dense, Sapphire Rapids: 4096 x 4096 1.63x, 6912 x 2560 1.70x,
    // 2560 x 2560 1.61x, 640 x 2560 1.10x; 4096 x 4096 from a 2 GB pool: 1.45x).
    .sparseFusedMinRows = 0,
};

// The same but for the fused path: where vpermps is slow (dispatch's slowCrossLanePermute),
// the sign-bit decode, whose shifts, ANDs and FMAs spread over every vector pipe. (Written out
// rather than copied from kTable: a static initializer here must be constant, or it would run,
// compiled for AVX2, when the library loads on any CPU.)
constexpr KernelTable kSignBitsTable = {
    .fusedLayout = FusedLayout::kCodePairs,
    .fusedRowTile = V::kLanes,
    .fusedKernelName = "avx2 fused: sign-bit decode (shift + and, weights as +-2.0) + fp32 FMA",
    .fusedThreadScratchBytes = nullptr,
    .fusedRun = signBitsRun,
    .denseF32KernelName = kTable.denseF32KernelName,
    .denseF32Run = denseF32Rows,
    .denseBf16KernelName = kTable.denseBf16KernelName,
    .denseBf16Run = denseBf16Rows,
    .denseBf16ReadsBf16Activations = false,
    .denseI8Run = denseI8Rows,
    .sparseFusedKernelName = "avx2 sparse fused: the sign-bit kernel over a column-panel copy, nonzero 64-column panels only",
    .sparseFusedRun = signBitsSkipZeroPanels,
    .sparseFusedCopy = true,
    .sparseFusedLayout = FusedLayout::kCodePairPanels,
    .sparseFusedBlockColumns = kSparseF32BlockColumns,
    .sparseFusedMinRows = 0,
};

}  // namespace

const KernelTable& avx2Table() { return kTable; }
const KernelTable& avx2SignBitsTable() { return kSignBitsTable; }

}  // namespace bitbench
