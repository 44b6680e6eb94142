// Deterministic synthetic inputs from a seed: nothing is downloaded, and the same seed gives
// the same bytes on every machine.
#pragma once
#include <cstddef>
#include <cstdint>

namespace bitbench {

// Packed ternary weights (public format) with BitNet-like statistics: about a third zeros,
// the rest split evenly between -1 and +1. Padding codes are 1.
void syntheticPackedWeights(uint64_t seed, size_t n, size_t k, uint8_t* out);

// Activations uniform in [-1, 1).
void syntheticActivations(uint64_t seed, size_t count, float* out);

}  // namespace bitbench
