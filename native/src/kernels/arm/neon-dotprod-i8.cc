// NEON fused-i8 kernels with the Armv8.2 dot-product extension (Neoverse N1 and later,
// Graviton2/3/4, Apple M1 and later): sdot adds four code x activation products straight
// into an int32 lane. Codes are 0..2, so they multiply as signed bytes unchanged and no
// mixed-sign usdot (i8mm) is needed. Only this file is compiled with +dotprod; reached only
// through dispatch, which checks HWCAP_ASIMDDP.
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

#include "../i8-kernel-table.h"
#include "../isa-tables.h"
#include "../sparse-layout.h"
#include "../stripe-layout.h"
#include "arm-i8-quantize.inl"

namespace bitbench {
namespace {

struct V {
  using I = int8x16_t;
  using Acc = int32x4_t;
  // sdot accumulates in int32, at most 4 * 2 * 127 = 1016 per lane and step: 2^20 steps
  // stay below 2^31, so the partial sums are the accumulators and need no early flush.
  using Partial = int32x4_t;
  static constexpr size_t kBytes = 16;
  static constexpr size_t kRowTile = 4;
  // 32 vector registers: four streams of four rows of partial sums fit beside the activations.
  static constexpr size_t kGemvStreams = 4;
  static constexpr size_t kPartialSteps = 1u << 20;

  static I load(const void* p) { return vld1q_s8(static_cast<const int8_t*>(p)); }
  static void store(void* p, I v) { vst1q_s8(static_cast<int8_t*>(p), v); }
  template <int S>
  static I plane(I w) {
    const uint8x16_t bits = vreinterpretq_u8_s8(w);
    if constexpr (S == 0) return vreinterpretq_s8_u8(vandq_u8(bits, vdupq_n_u8(3)));
    else if constexpr (S == 3) return vreinterpretq_s8_u8(vshrq_n_u8(bits, 6));
    else return vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(bits, 2 * S), vdupq_n_u8(3)));
  }
  static Acc accZero() { return vdupq_n_s32(0); }
  static int32_t hsum(Acc v) { return vaddvq_s32(v); }
  static Partial partialZero() { return vdupq_n_s32(0); }
  static void partialAdd(Partial& p, I c, I a) { p = vdotq_s32(p, c, a); }
  static void flush(Acc& acc, Partial p) { acc = vaddq_s32(acc, p); }
};

#include "../i8-tiles.inl"
#include "../i8-sparse-tiles.inl"
#include "neon-dotprod-stripes.inl"

// Signed int8 weights (the int8 LM head): sdot takes both operands signed. Rows are qStride
// bytes, a multiple of 16.
void denseRows(const int8_t* weights, const float* rowScales, const I8KernelCall& c) {
  for (size_t row = c.rowBegin; row < c.rowEnd; ++row) {
    const int8_t* w = weights + row * c.qStride;
    for (size_t b = 0; b < c.batch; ++b) {
      const int8_t* q = c.q + b * c.qStride;
      int32x4_t acc0 = vdupq_n_s32(0), acc1 = vdupq_n_s32(0);
      size_t i = 0;
      for (; i + 32 <= c.qStride; i += 32) {
        acc0 = vdotq_s32(acc0, vld1q_s8(w + i), vld1q_s8(q + i));
        acc1 = vdotq_s32(acc1, vld1q_s8(w + i + 16), vld1q_s8(q + i + 16));
      }
      for (; i < c.qStride; i += 16) acc0 = vdotq_s32(acc0, vld1q_s8(w + i), vld1q_s8(q + i));
      c.y[b * c.n + row] = static_cast<float>(vaddvq_s32(vaddq_s32(acc0, acc1))) * (rowScales[row] * c.rows[b].dequant);
    }
  }
}

const I8KernelTable kTable = {
    .name = "neon-dotprod fused-i8: sdot (int8 activations, 2-bit code planes)",
    .planeBytes = V::kBytes,
    .rowTile = V::kRowTile,
    .threadScratchBytes = i8ThreadScratchBytes,
    .run = i8RunTiles<>,
    .gemvSteps = i8GemvSteps<>,
    .gemvRunSteps = i8GemvRunSteps<>,
    .quantize = quantizeRowNeon,
    .denseRows = denseRows,
    .sparseRun = i8SparseRun<>,
    .stripeRun = i8StripeRun,
};

}  // namespace

const I8KernelTable& neonDotprodI8Table() { return kTable; }

}  // namespace bitbench
