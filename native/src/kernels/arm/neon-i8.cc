// NEON fused-i8 kernels for AArch64 cores without the dot-product extension (Cortex-A53/A72,
// Graviton1): smull/smlal multiply codes by int8 activations into int16, sadalp widens pairs
// into int32. Codes are 0..2, so they multiply as signed bytes unchanged.
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

#include "../i8-kernel-table.h"
#include "../isa-tables.h"
#include "../sparse-layout.h"
#include "arm-i8-quantize.inl"

namespace bitbench {
namespace {

struct V {
  using I = int8x16_t;
  using Acc = int32x4_t;
  // int16 sums of the low and high halves. A step adds at most 2 * 127 = 254 to a lane, so
  // 129 steps fit in int16; 64 leaves a margin for nothing to argue about.
  struct Partial {
    int16x8_t lo, hi;
  };
  static constexpr size_t kBytes = 16;
  static constexpr size_t kRowTile = 4;
  // Each partial sum is two registers here: two streams keep them all in registers.
  static constexpr size_t kGemvStreams = 2;
  static constexpr size_t kPartialSteps = 64;

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
  static Partial partialZero() { return {vdupq_n_s16(0), vdupq_n_s16(0)}; }
  static void partialAdd(Partial& p, I c, I a) {
    p.lo = vmlal_s8(p.lo, vget_low_s8(c), vget_low_s8(a));
    p.hi = vmlal_high_s8(p.hi, c, a);
  }
  static void flush(Acc& acc, Partial p) { acc = vpadalq_s16(vpadalq_s16(acc, p.lo), p.hi); }
};

#include "../i8-tiles.inl"
#include "../i8-sparse-tiles.inl"

// Signed int8 weights (the int8 LM head): two products of at most 127 * 127 fit an int16
// lane (smull then smlal2), then sadalp widens. Rows are qStride bytes, a multiple of 16.
void denseRows(const int8_t* weights, const float* rowScales, const I8KernelCall& c) {
  for (size_t row = c.rowBegin; row < c.rowEnd; ++row) {
    const int8_t* w = weights + row * c.qStride;
    for (size_t b = 0; b < c.batch; ++b) {
      const int8_t* q = c.q + b * c.qStride;
      int32x4_t acc = vdupq_n_s32(0);
      for (size_t i = 0; i < c.qStride; i += 16) {
        const int8x16_t wv = vld1q_s8(w + i), qv = vld1q_s8(q + i);
        acc = vpadalq_s16(acc, vmlal_high_s8(vmull_s8(vget_low_s8(wv), vget_low_s8(qv)), wv, qv));
      }
      c.y[b * c.n + row] = static_cast<float>(vaddvq_s32(acc)) * (rowScales[row] * c.rows[b].dequant);
    }
  }
}

const I8KernelTable kTable = {
    .name = "neon fused-i8: smull/smlal + sadalp (int8 activations, 2-bit code planes)",
    .planeBytes = V::kBytes,
    .rowTile = V::kRowTile,
    .threadScratchBytes = i8ThreadScratchBytes,
    .run = i8RunTiles<>,
    .gemvSteps = i8GemvSteps<>,
    .gemvRunSteps = i8GemvRunSteps<>,
    .quantize = quantizeRowNeon,
    .denseRows = denseRows,
    .sparseRun = i8SparseRun<>,
    .stripeRun = nullptr,
};

}  // namespace

const I8KernelTable& neonI8Table() { return kTable; }

}  // namespace bitbench
