// Included once per ISA translation unit (see attention-kernels.h), in an anonymous namespace.
// Fixed-width lane arrays let the compiler vectorize dot products without reassociating a
// single running sum (which it may not do without -ffast-math). No standard-library templates
// here: their out-of-line copies are weak symbols, and the linker could hand the AVX-512
// build's copy to code running on a CPU without it.
#include <cstdint>
#include <cstring>

#include "attention-kernels.h"

namespace {

using bitbench::AttentionChunk;
using bitbench::KvDtype;

constexpr size_t kLanes = 16;
// GCC vector extensions: one zmm in the AVX-512 build, two ymm in AVX2's, four xmm in the
// baseline's. Explicit, because the auto-vectorizer versioned these loops on a pointer-overlap
// test and ran them scalar in the model (2B-4T at 8K: 70% of a step in the scalar fallback).
typedef float Lanes __attribute__((vector_size(kLanes * sizeof(float))));
// Lanes values never cross a call boundary that another build sees (everything here is
// internal and inlined), so the psABI note about passing them is moot.
#pragma GCC diagnostic ignored "-Wpsabi"

inline Lanes loadLanes(const float* p) {
  Lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void storeLanes(float* p, Lanes v) { std::memcpy(p, &v, sizeof v); }

// Cached elements of one position and head as fp32 (the scale is applied by the caller).
template <KvDtype D>
inline void decodeRow(const uint8_t* in, size_t count, float* out) {
  if constexpr (D == KvDtype::kBf16) {
    uint16_t halves[kLanes];
    size_t i = 0;
    for (; i + kLanes <= count; i += kLanes) {
      std::memcpy(halves, in + 2 * i, sizeof halves);
      for (size_t l = 0; l < kLanes; ++l) out[i + l] = __builtin_bit_cast(float, static_cast<uint32_t>(halves[l]) << 16);
    }
    for (; i < count; ++i) {
      uint16_t half;
      std::memcpy(&half, in + 2 * i, sizeof half);
      out[i] = __builtin_bit_cast(float, static_cast<uint32_t>(half) << 16);
    }
  } else if constexpr (D == KvDtype::kInt8) {
    for (size_t i = 0; i < count; ++i) out[i] = static_cast<float>(static_cast<int8_t>(in[i]));
  } else if constexpr (D == KvDtype::kFp8E4M3) {
    for (size_t i = 0; i < count; ++i) {
      const uint32_t code = in[i];
      const uint32_t magnitude = (code & 0x7f) << 20;
      uint32_t bits = __builtin_bit_cast(uint32_t, __builtin_bit_cast(float, magnitude) * 0x1p120f);
      bits = (code & 0x7f) == 0x7f ? 0x7fc00000u : bits;
      out[i] = __builtin_bit_cast(float, bits | ((code & 0x80) << 24));
    }
  } else {
    for (size_t i = 0; i < count; ++i) {
      const uint32_t code = in[i];
      const uint32_t magnitude = (code & 0x7f) << 21;
      uint32_t bits = __builtin_bit_cast(uint32_t, __builtin_bit_cast(float, magnitude) * 0x1p112f);
      bits = (code & 0x7c) == 0x7c ? (0x7f800000u | ((code & 3) << 21)) : bits;
      out[i] = __builtin_bit_cast(float, bits | ((code & 0x80) << 24));
    }
  }
}

inline float dot(const float* a, const float* b, size_t count) {
  Lanes lanes = {};
  size_t i = 0;
  for (; i + kLanes <= count; i += kLanes) lanes += loadLanes(a + i) * loadLanes(b + i);
  float sum = 0;
  for (; i < count; ++i) sum += a[i] * b[i];
  for (size_t l = 0; l < kLanes; ++l) sum += lanes[l];
  return sum;
}

// o += p * x
inline void addScaled(float* o, const float* x, float p, size_t count) {
  size_t i = 0;
  for (; i + kLanes <= count; i += kLanes) storeLanes(o + i, loadLanes(o + i) + p * loadLanes(x + i));
  for (; i < count; ++i) o[i] += p * x[i];
}

// exp(x) for x <= 0 (scores minus their maximum), Cephes' expf polynomial: a few ulp, and
// unlike std::exp it vectorizes. Below -87 it returns about 1e-38 instead of a denormal.
inline float expNonPositive(float x) {
  x = x > -87.0f ? x : -87.0f;
  const float shifter = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const float n = (x * 1.44269504088896341f + shifter) - shifter;
  const float r = x - n * 0.693359375f - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * r * r + r + 1.0f;
  const uint32_t exponent = static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23;
  return y * __builtin_bit_cast(float, exponent);
}

template <KvDtype D, bool Masked = false>
void attendChunk(const AttentionChunk& c) {
  constexpr bool kScaled = D != KvDtype::kBf16;
  const size_t d = c.headDim;
  // Scores: each key decoded once for the whole query group.
  for (size_t j = 0; j < c.count; ++j) {
    decodeRow<D>(c.keys + j * c.rowBytes, d, c.row);
    const float scale = kScaled ? c.scoreScale * c.keyScales[j * c.scaleStride] : c.scoreScale;
    for (size_t g = 0; g < c.group; ++g) c.scores[g * c.count + j] = dot(c.q + g * d, c.row, d) * scale;
  }
  if constexpr (Masked) {
    size_t kept = 0;
    for (size_t g = 0; g < c.group; ++g) kept += bitbench::selectScores(*c.select, c.scores + g * c.count, c.count, c.selectScratch);
    *c.kept += kept;
  }
  for (size_t g = 0; g < c.group; ++g) {
    float* s = c.scores + g * c.count;
    float top = s[0];
    for (size_t j = 1; j < c.count; ++j) top = s[j] > top ? s[j] : top;
    float sumLanes[kLanes] = {};
    size_t j = 0;
    if constexpr (Masked) {
      // A dropped score is -infinity: its weight is exactly zero (expNonPositive would give 1e-38).
      const float dropped = -__builtin_inff();
      for (; j + kLanes <= c.count; j += kLanes)
        for (size_t l = 0; l < kLanes; ++l)
          sumLanes[l] += (s[j + l] = s[j + l] == dropped ? 0.0f : expNonPositive(s[j + l] - top));
    } else {
      for (; j + kLanes <= c.count; j += kLanes)
        for (size_t l = 0; l < kLanes; ++l) sumLanes[l] += (s[j + l] = expNonPositive(s[j + l] - top));
    }
    float sum = 0;
    for (; j < c.count; ++j) sum += (s[j] = Masked && s[j] == -__builtin_inff() ? 0.0f : expNonPositive(s[j] - top));
    for (size_t l = 0; l < kLanes; ++l) sum += sumLanes[l];
    c.maxes[g] = top;
    c.sums[g] = sum;
    for (size_t i = 0; i < d; ++i) c.out[g * d + i] = 0.0f;
  }
  for (size_t j = 0; j < c.count; ++j) {
    if constexpr (Masked) {
      bool any = false;
      for (size_t g = 0; g < c.group; ++g) any |= c.scores[g * c.count + j] != 0.0f;
      if (!any) continue;
    }
    decodeRow<D>(c.values + j * c.rowBytes, d, c.row);
    const float scale = kScaled ? c.valueScales[j * c.scaleStride] : 1.0f;
    for (size_t g = 0; g < c.group; ++g) addScaled(c.out + g * d, c.row, c.scores[g * c.count + j] * scale, d);
  }
}

}  // namespace
