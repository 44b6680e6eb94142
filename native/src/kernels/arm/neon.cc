// AArch64 Advanced SIMD (NEON) kernels. Every AArch64 CPU has NEON; dispatch still checks
// HWCAP so that the descriptor is honest.
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <utility>

#include "../kernel-table.h"
#include "../isa-tables.h"

namespace bitbench {
namespace {

struct V {
  using F = float32x4_t;
  using I = uint32x4_t;
  static constexpr size_t kLanes = 4;
  // 32 vector registers.
  static constexpr size_t kMaxBatchChunk = 8;

  static F zero() { return vdupq_n_f32(0.0f); }
  static F set1(float v) { return vdupq_n_f32(v); }
  static F add(F a, F b) { return vaddq_f32(a, b); }
  static F mul(F a, F b) { return vmulq_f32(a, b); }
  static F fma(F a, F b, F c) { return vfmaq_f32(c, a, b); }
  static F loadu(const float* p) { return vld1q_f32(p); }
  static F loadBf16(const uint16_t* p) {
    return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16));
  }
  static F loadI8(const int8_t* p) {
    int8_t bytes[8] = {p[0], p[1], p[2], p[3], 0, 0, 0, 0};
    return vcvtq_f32_s32(vmovl_s16(vget_low_s16(vmovl_s8(vld1_s8(bytes)))));
  }
  static void storeu(float* p, F v) { vst1q_f32(p, v); }
  static void storePartial(float* p, F v, size_t count) {
    float lanes[kLanes];
    vst1q_f32(lanes, v);
    for (size_t i = 0; i < count; ++i) p[i] = lanes[i];
  }
  static float hsum(F v) { return vaddvq_f32(v); }
  // Code c (0, 1, 2 for w = -1, 0, +1), inverted, is 11, 10, 01: moved to bits 31:30 and
  // masked, that is the fp32 bit pattern of -2.0, -0.0 or +2.0, i.e. 2w. A shift and an AND per
  // four weights instead of a table lookup; the caller folds 1/2 into the output scale. Scaling
  // by powers of two is exact, so every output (the sign of zero included: a -0.0 product never
  // turns the +0.0 accumulator negative) is bit for bit the one weights of +-1 give, short of
  // overflow within a factor of two of FLT_MAX.
  static I loadWords(const uint32_t* p) { return vmvnq_u32(vld1q_u32(p)); }
  template <int S>
  static F weights(I words) {
    uint32x4_t top;
    if constexpr (S == 15) top = words;
    else top = vshlq_n_u32(words, 30 - 2 * S);
    return vreinterpretq_f32_u32(vandq_u32(top, vdupq_n_u32(0xC0000000u)));
  }
};

#include "../fused-tiles.inl"
#include "../dense-rows.inl"

const KernelTable kTable = {
    .fusedLayout = FusedLayout::kCodePairs,
    .fusedRowTile = V::kLanes,
    .fusedKernelName = "neon fused: sign-bit decode (shift + and, weights as +-2.0) + fp32 FMA",
    .fusedThreadScratchBytes = nullptr,
    .fusedRun = signBitsRun,
    .denseF32KernelName = "neon dense fp32 (builtin)",
    .denseF32Run = denseF32Rows,
    .denseBf16KernelName = "neon bf16 widened to fp32 + FMA",
    .denseBf16Run = denseBf16Rows,
    .denseBf16ReadsBf16Activations = false,
    .denseI8Run = denseI8Rows,
    .sparseFusedKernelName = "neon sparse fused: the sign-bit kernel over the words of nonzero 64-column blocks only",
    .sparseFusedRun = signBitsSkipZeroBlocks,
    .sparseFusedCopy = false,
    .sparseFusedLayout = FusedLayout::kCodePairs,
    .sparseFusedBlockColumns = kSparseF32BlockColumns,
    .sparseFusedMinRows = 0,
};

}  // namespace

const KernelTable& neonTable() { return kTable; }

}  // namespace bitbench
