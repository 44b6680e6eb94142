// AVX-512 (F, BW, VL, DQ) kernels. Compiled with AVX-512 target flags; reached only through
// dispatch after the CPU and OS support are checked. Includes nothing that instantiates
// shared inline library code (see kernel-table.h).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "../kernel-table.h"
#include "../isa-tables.h"

namespace bitbench {
namespace {

struct V {
  using F = __m512;
  using I = __m512i;
  static constexpr size_t kLanes = 16;
  // 32 vector registers: eight accumulators, six weight tables, three weights and the codes fit.
  static constexpr size_t kMaxBatchChunk = 8;

  static F zero() { return _mm512_setzero_ps(); }
  static F set1(float v) { return _mm512_set1_ps(v); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F loadu(const float* p) { return _mm512_loadu_ps(p); }
  static F loadBf16(const uint16_t* p) {
    const __m256i half = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(half), 16));
  }
  static F loadI8(const int8_t* p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
  }
  static void storeu(float* p, F v) { _mm512_storeu_ps(p, v); }
  static void storePartial(float* p, F v, size_t count) {
    _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << count) - 1), v);
  }
  static float hsum(F v) { return _mm512_reduce_add_ps(v); }
  static I loadWords(const uint32_t* p) { return _mm512_loadu_si512(p); }
};

#include "../dense-rows.inl"
#include "avx512-triples.inl"


const KernelTable kTable = {
    .fusedLayout = FusedLayout::kCodeTriples,
    .fusedRowTile = V::kLanes,
    .fusedKernelName = "avx512 fused: 5-bit triple codes, vpermt2ps LUT of activation sums (batches: two activation rows at a time)",
    .fusedThreadScratchBytes = tripleTableBytes,
    .fusedRun = tripleRun,
    .denseF32KernelName = "avx512 dense fp32 (builtin)",
    .denseF32Run = denseF32Rows,
    .denseBf16KernelName = "avx512 bf16 widened to fp32 + FMA",
    .denseBf16Run = denseBf16Rows,
    .denseBf16ReadsBf16Activations = false,
    .denseI8Run = denseI8Rows,
    .sparseFusedKernelName = "avx512 sparse fused: the triple LUT kernel over a column-panel copy, "
                             "nonzero 72-column panels only",
    .sparseFusedRun = tripleSkipZeroBlocks,
    .sparseFusedCopy = true,
    .sparseFusedLayout = FusedLayout::kCodeTriplePanels,
    .sparseFusedBlockColumns = kTriplePanelGroups * kTripleColumnsPerWord,
    // 2 threads, cold, 30% zero blocks, against dense interleaved (Zen 4, chunked panels):
    // 4096 x 4096 1.26x, 6912 x 2560 0.95x, 2560 x 2560 0.89x, 640 x 2560 0.55x (a thread's
    // rows are fewer than four whole chunks, so its streams are short pieces of each panel).
    .sparseFusedMinRows = 4096,
};

}  // namespace

const KernelTable& avx512Table() { return kTable; }

}  // namespace bitbench
