// Scalar peak loops: what the portable reference computes with, one lane at a time. Built
// with -fno-tree-vectorize (CMakeLists.txt): a vectorized "scalar" loop would report SSE's
// rate under the scalar name.
#include <cstdint>

#include "../peak-loops.h"

namespace bitbench {

namespace {
// A general-register launder for the int8 loop (the vector one needs a vector register).
template <class T>
inline void launderScalar(T& value) {
#if defined(__GNUC__)
  __asm__ volatile("" : "+r"(value));
#else
  (void)value;
#endif
}
}  // namespace

double scalarFp32Peak(uint64_t rounds, float* sink) {
  constexpr int kChains = 8;
  float acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = 1e-3f * static_cast<float>(i);
  const float a = 0.9999f;
  const float b = 1e-4f;
  for (uint64_t r = 0; r < rounds; ++r) {
    for (int i = 0; i < kChains; ++i) acc[i] = acc[i] * a + b;
  }
  float total = 0;
  for (float value : acc) total += value;
  *sink = total;
  return static_cast<double>(rounds) * kChains * 2;
}

double scalarInt8Peak(uint64_t rounds, float* sink) {
  constexpr int kChains = 8;
  int32_t acc[kChains];
  int32_t weights[kChains];
  for (int i = 0; i < kChains; ++i) {
    acc[i] = i;
    weights[i] = i - 3;
  }
  // Opaque weights: known constants would let the compiler turn each multiply into shifts.
  for (int32_t& weight : weights) launderScalar(weight);
  int32_t code = 2;
  for (uint64_t r = 0; r < rounds; ++r) {
    launderScalar(code);
    // int8 values widened to int32, as the scalar fused-i8 reference multiplies them.
    for (int i = 0; i < kChains; ++i) acc[i] += static_cast<int8_t>(code) * static_cast<int8_t>(weights[i]);
  }
  int64_t total = 0;
  for (int32_t value : acc) total += value;
  *sink = static_cast<float>(total);
  return static_cast<double>(rounds) * kChains * 2;
}

}  // namespace bitbench
