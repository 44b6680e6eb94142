#include "zeroed-blocks.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace bitbench {

namespace {

// The first round(fraction * count) of 0 .. count - 1 in an order shuffled by a fixed engine
// (not std::shuffle's unspecified use of it): the same choice on every machine.
std::vector<size_t> shuffledFirst(uint64_t seed, double fraction, size_t count) {
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 random(seed ^ 0x5eedb10cull);
  for (size_t i = count; i > 1; --i) std::swap(order[i - 1], order[random() % i]);
  order.resize(std::min(count, static_cast<size_t>(std::llround(fraction * static_cast<double>(count)))));
  return order;
}

double zeroFraction(size_t rows, size_t k, const float* x) {
  size_t zeros = 0;
  for (size_t i = 0; i < rows * k; ++i) zeros += x[i] == 0.0f;
  return rows * k > 0 ? static_cast<double>(zeros) / static_cast<double>(rows * k) : 0.0;
}

}  // namespace

double zeroActivationBlocks(uint64_t seed, double fraction, size_t rows, size_t k, size_t blockColumns, float* x) {
  const std::vector<size_t> zeroed = shuffledFirst(seed, fraction, (k + blockColumns - 1) / blockColumns);
  for (size_t r = 0; r < rows; ++r)
    for (size_t block : zeroed) {
      const size_t begin = block * blockColumns, end = std::min(k, begin + blockColumns);
      std::fill(x + r * k + begin, x + r * k + end, 0.0f);
    }
  return zeroFraction(rows, k, x);
}

double zeroActivationValues(uint64_t seed, double fraction, size_t rows, size_t k, float* x) {
  const std::vector<size_t> zeroed = shuffledFirst(seed, fraction, k);
  for (size_t r = 0; r < rows; ++r)
    for (size_t column : zeroed) x[r * k + column] = 0.0f;
  return zeroFraction(rows, k, x);
}

}  // namespace bitbench
