// AVX2 + FMA kernels (Haswell, Zen 1 and later). Compiled with AVX2 target flags; reached
// only through dispatch. Includes nothing that instantiates shared inline library code.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <utility>

#include "../kernel-table.h"
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
};

#include "../dense-rows.inl"
#include "avx2-split-triples.inl"

const KernelTable kTable = {
    .fusedLayout = FusedLayout::kCodeSplitTriples,
    .fusedRowTile = V::kLanes,
    .fusedKernelName = "avx2 fused: split-triple codes, two vpermps LUTs of activation sums per 3 weights (batch 1) / weights + FMA",
    .fusedThreadScratchBytes = splitTableBytes,
    .fusedRun = splitRun,
    .denseF32KernelName = "avx2 dense fp32 (builtin)",
    .denseF32Run = denseF32Rows,
    .denseBf16KernelName = "avx2 bf16 widened to fp32 + FMA",
    .denseBf16Run = denseBf16Rows,
    .denseBf16ReadsBf16Activations = false,
    .denseI8Run = denseI8Rows,
    .sparseFusedKernelName = "avx2 sparse fused: the split-triple LUT kernel over the words of nonzero 60-column blocks only",
    .sparseFusedRun = splitSkipZeroBlocks,
    .sparseFusedCopy = false,
    .sparseFusedLayout = FusedLayout::kCodeSplitTriples,
    .sparseFusedBlockColumns = kSplitBlockColumns,
};

}  // namespace

const KernelTable& avx2Table() { return kTable; }

}  // namespace bitbench
