#include "zeroed-blocks.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace bitbench {

double zeroActivationBlocks(uint64_t seed, double fraction, size_t rows, size_t k, float* x) {
  const size_t blocks = (k + kZeroedBlockColumns - 1) / kZeroedBlockColumns;
  std::vector<size_t> order(blocks);
  std::iota(order.begin(), order.end(), size_t{0});
  // A fixed engine (not std::shuffle's unspecified use of it): the same blocks everywhere.
  std::mt19937_64 random(seed ^ 0x5eedb10cull);
  for (size_t i = blocks; i > 1; --i) std::swap(order[i - 1], order[random() % i]);
  const size_t zeroed = std::min(blocks, static_cast<size_t>(std::llround(fraction * static_cast<double>(blocks))));
  for (size_t r = 0; r < rows; ++r)
    for (size_t i = 0; i < zeroed; ++i) {
      const size_t begin = order[i] * kZeroedBlockColumns, end = std::min(k, begin + kZeroedBlockColumns);
      std::fill(x + r * k + begin, x + r * k + end, 0.0f);
    }
  size_t zeros = 0;
  for (size_t i = 0; i < rows * k; ++i) zeros += x[i] == 0.0f;
  return rows * k > 0 ? static_cast<double>(zeros) / static_cast<double>(rows * k) : 0.0;
}

}  // namespace bitbench
