#include "synthetic-model.h"

#include <cmath>

#include "../kernels/ternary-layout.h"
#include "../runtime/synthetic-data.h"

namespace bitbench {

namespace {
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
float unitRandom(uint64_t& state) {  // [0, 1)
  state = mix(state + 0x9E3779B97F4A7C15ull);
  return static_cast<float>(state >> 40) / 16777216.0f;
}
}  // namespace

uint64_t tensorSeed(uint64_t seed, size_t layer, int tensor) {
  return mix(seed * 0x100000001B3ull + layer * 131 + static_cast<uint64_t>(tensor) + 1);
}

std::vector<uint8_t> syntheticProjection(uint64_t seed, size_t layer, Projection projection,
                                         const ModelDims& dims, float* scale) {
  const ProjectionShape shape = projectionShape(dims, projection);
  const uint64_t s = tensorSeed(seed, layer, static_cast<int>(projection));
  std::vector<uint8_t> packed(packedBytes(shape.n, shape.k));
  syntheticPackedWeights(s, shape.n, shape.k, packed.data());
  uint64_t state = s ^ 0x5CA1Eull;
  *scale = (0.9f + 0.2f * unitRandom(state)) / std::sqrt(2.0f * static_cast<float>(shape.k) / 3.0f);
  return packed;
}

std::vector<float> syntheticNorm(uint64_t seed, size_t layer, int which, size_t size) {
  uint64_t state = tensorSeed(seed, layer, 100 + which);
  std::vector<float> weights(size);
  for (float& w : weights) w = 0.9f + 0.2f * unitRandom(state);
  return weights;
}

void syntheticEmbeddingRows(uint64_t seed, const ModelDims& dims, size_t stride, size_t rowBegin,
                            size_t rowEnd, uint16_t* out) {
  const float amplitude = std::sqrt(3.0f);  // unit variance
  for (size_t row = rowBegin; row < rowEnd; ++row) {
    uint64_t state = tensorSeed(seed, dims.layers + 1, 200) ^ mix(row + 1);
    uint16_t* dst = out + (row - rowBegin) * stride;
    for (size_t i = 0; i < stride; ++i)
      dst[i] = i < dims.hidden ? floatToBf16(amplitude * (2.0f * unitRandom(state) - 1.0f)) : 0;
  }
}

std::vector<int32_t> syntheticTokens(uint64_t seed, size_t count, size_t vocab) {
  uint64_t state = tensorSeed(seed, 0, 300);
  std::vector<int32_t> tokens(count);
  for (int32_t& t : tokens) t = static_cast<int32_t>(unitRandom(state) * static_cast<float>(vocab)) % static_cast<int32_t>(vocab);
  return tokens;
}

}  // namespace bitbench
