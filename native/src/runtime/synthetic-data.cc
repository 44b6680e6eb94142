#include "synthetic-data.h"

#include "../kernels/ternary-layout.h"

namespace bitbench {

namespace {
// splitmix64: tiny, fast, and good enough to make weights look random to a kernel.
uint64_t nextRandom(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
}  // namespace

void syntheticPackedWeights(uint64_t seed, size_t n, size_t k, uint8_t* out) {
  uint64_t state = seed;
  const size_t rowBytes = packedRowBytes(k);
  for (size_t row = 0; row < n; ++row) {
    uint8_t* bytes = out + row * rowBytes;
    uint64_t random = 0;
    int unused = 0;
    for (size_t j = 0; j < rowBytes; ++j) {
      uint8_t byte = 0;
      for (size_t m = 0; m < 4; ++m) {
        if (unused == 0) {
          random = nextRandom(state);
          unused = 8;
        }
        const unsigned draw = random & 0xff;  // 0..255 -> codes 0, 1, 2 in thirds
        random >>= 8;
        --unused;
        const size_t col = j * 4 + m;
        const unsigned code = col < k ? (draw * 3) >> 8 : kCodeZero;
        byte |= static_cast<uint8_t>(code << (6 - 2 * m));
      }
      bytes[j] = byte;
    }
  }
}

void syntheticActivations(uint64_t seed, size_t count, float* out) {
  uint64_t state = seed ^ 0xA5A5A5A5DEADBEEFull;
  for (size_t i = 0; i < count; ++i) {
    const uint64_t r = nextRandom(state) >> 40;  // 24 bits
    out[i] = static_cast<float>(r) * (2.0f / 16777216.0f) - 1.0f;
  }
}

}  // namespace bitbench
