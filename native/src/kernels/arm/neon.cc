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
  static I loadWords(const uint32_t* p) { return vld1q_u32(p); }

  // tbl looks up bytes: the code (0..3) picks one of four fp32 bit patterns, byte by byte.
  template <int S>
  static F weights(I words) {
    static constexpr uint8_t kCodeBytes[16] = {0x00, 0x00, 0x80, 0xBF,   // -1.0f
                                               0x00, 0x00, 0x00, 0x00,   //  0.0f
                                               0x00, 0x00, 0x80, 0x3F,   // +1.0f
                                               0x00, 0x00, 0x00, 0x00};  //  code 3: 0.0f
    uint32x4_t code;
    if constexpr (S == 0) code = vandq_u32(words, vdupq_n_u32(3));
    else code = vandq_u32(vshrq_n_u32(words, 2 * S), vdupq_n_u32(3));
    // Byte index of lane i, byte b: 4 * code + b.
    const uint8x16_t index = vaddq_u8(vreinterpretq_u8_u32(vmulq_n_u32(code, 0x04040404u)),
                                      vreinterpretq_u8_u32(vdupq_n_u32(0x03020100u)));
    return vreinterpretq_f32_u8(vqtbl1q_u8(vld1q_u8(kCodeBytes), index));
  }
};

#include "../fused-tiles.inl"
#include "../dense-rows.inl"

const KernelTable kTable = {
    .fusedLayout = FusedLayout::kCodePairs,
    .fusedRowTile = V::kLanes,
    .fusedKernelName = "neon fused: tbl LUT dequant + fp32 FMA",
    .fusedThreadScratchBytes = nullptr,
    .fusedRun = fusedRunTiles,
    .denseF32KernelName = "neon dense fp32 (builtin)",
    .denseF32Run = denseF32Rows,
    .denseBf16KernelName = "neon bf16 widened to fp32 + FMA",
    .denseBf16Run = denseBf16Rows,
    .denseBf16ReadsBf16Activations = false,
    .denseI8Run = denseI8Rows,
};

}  // namespace

const KernelTable& neonTable() { return kTable; }

}  // namespace bitbench
