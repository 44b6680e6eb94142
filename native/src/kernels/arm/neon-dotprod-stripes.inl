// The fused-i8 scattered sparse GEMV (batch 1) over the column-stripe layout
// (stripe-layout.h) with NEON sdot: avx512-stripes.inl's kernel in 16-byte chunks (64
// rows), included in neon-dotprod-i8.cc. vzip1/vzip2 on bytes, then on halfwords, interleave
// four stripes as vpunpck{l,h}bw and {l,h}wd do in one 128-bit lane.
//
// sdot multiplies signed bytes, and crumb 3 masked in place reaches 128 (-128 as a signed
// byte): it is taken shifted right by two instead (16 times the code), and its accumulators
// held at that scale in registers, times 64 in `dots` as the layout's reduce expects.
// Compiled for Armv8.2 dotprod; never run on real Arm hardware here (qemu-aarch64 proves it).

constexpr size_t kStripeChunkBytes = 16;

using StripeVector = int8x16_t;
inline StripeVector broadcastStripeX(uint32_t packed) { return vreinterpretq_s8_u32(vdupq_n_u32(packed)); }
#include "../i8-stripe-group.inl"

template <size_t G, bool FIRST>
void i8StripeSweep(const StripeGroup (&groups)[G], const uint8_t* const (&next)[8], const uint8_t* const (&far)[8],
                   size_t bytes, int32_t* dots) {
  const uint8x16_t mask[3] = {vdupq_n_u8(0x03), vdupq_n_u8(0x0c), vdupq_n_u8(0x30)};
  for (size_t offset = 0; offset < bytes; offset += 16) {
    if (offset % 64 == 0) {
      for (size_t j = 0; j < 8; ++j) __builtin_prefetch(next[j] + offset, 0, 3);
      for (size_t j = 0; j < 8; ++j) __builtin_prefetch(far[j] + offset, 0, 2);
    }
    int32_t* d = dots + 4 * offset;  // 64 rows per 16-byte chunk
    int32x4_t acc[16];
    for (size_t e = 0; e < 16; ++e) {
      acc[e] = FIRST ? vdupq_n_s32(0) : vld1q_s32(d + 4 * e);
      if (!FIRST && e % 4 == 3) acc[e] = vshrq_n_s32(acc[e], 2);  // 64x -> 16x (exact)
    }
    for (size_t g = 0; g < G; ++g) {
      const uint8x16_t a = vld1q_u8(groups[g].stripe[0] + offset), b = vld1q_u8(groups[g].stripe[1] + offset);
      const uint8x16_t c = vld1q_u8(groups[g].stripe[2] + offset), e4 = vld1q_u8(groups[g].stripe[3] + offset);
      const uint16x8_t abLow = vreinterpretq_u16_u8(vzip1q_u8(a, b)), abHigh = vreinterpretq_u16_u8(vzip2q_u8(a, b));
      const uint16x8_t cdLow = vreinterpretq_u16_u8(vzip1q_u8(c, e4)), cdHigh = vreinterpretq_u16_u8(vzip2q_u8(c, e4));
      const uint8x16_t z[4] = {vreinterpretq_u8_u16(vzip1q_u16(abLow, cdLow)), vreinterpretq_u8_u16(vzip2q_u16(abLow, cdLow)),
                               vreinterpretq_u8_u16(vzip1q_u16(abHigh, cdHigh)), vreinterpretq_u8_u16(vzip2q_u16(abHigh, cdHigh))};
      for (size_t m = 0; m < 4; ++m) {
        for (size_t s = 0; s < 3; ++s)
          acc[4 * m + s] = vdotq_s32(acc[4 * m + s], vreinterpretq_s8_u8(vandq_u8(z[m], mask[s])), groups[g].x);
        acc[4 * m + 3] = vdotq_s32(acc[4 * m + 3], vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(z[m], 2), mask[2])), groups[g].x);
      }
    }
    for (size_t e = 0; e < 16; ++e) vst1q_s32(d + 4 * e, e % 4 == 3 ? vshlq_n_s32(acc[e], 2) : acc[e]);
  }
}

#include "../i8-stripe-run.inl"
