// Synthetic, deterministic BitNet weights: the same seed gives the same model everywhere and
// nothing is downloaded. Statistics are chosen so activations keep a unit-ish scale through
// the layers (per-tensor absmean-like scales of 1 / sqrt(2k/3), norm weights near 1).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "model-spec.h"

namespace bitbench {

uint64_t tensorSeed(uint64_t seed, size_t layer, int tensor);

// Packed ternary codes (public format) of one projection, and its scale.
std::vector<uint8_t> syntheticProjection(uint64_t seed, size_t layer, Projection projection,
                                         const ModelDims& dims, float* scale);

// RMSNorm weights of a layer: 0 input, 1 attention sub-norm, 2 post-attention, 3 FFN sub-norm;
// layer == dims.layers gives the final norm.
std::vector<float> syntheticNorm(uint64_t seed, size_t layer, int which, size_t size);

// Embedding rows [rowBegin, rowEnd) as bf16 bit patterns, rows of `stride` (zero-padded
// past hidden); row r lands at out + (r - rowBegin) * stride, so `out` holds just these rows.
// Each row has its own seed, so rows can be built in parallel.
void syntheticEmbeddingRows(uint64_t seed, const ModelDims& dims, size_t stride, size_t rowBegin,
                            size_t rowEnd, uint16_t* out);

// Prompt tokens in [0, vocab).
std::vector<int32_t> syntheticTokens(uint64_t seed, size_t count, size_t vocab);

}  // namespace bitbench
