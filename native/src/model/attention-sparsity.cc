#include "attention-sparsity.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace bitbench {

AttentionSparsityMode parseAttentionSparsityMode(const std::string& name) {
  if (name == "none") return AttentionSparsityMode::kNone;
  if (name == "top-k") return AttentionSparsityMode::kTopK;
  if (name == "threshold") return AttentionSparsityMode::kThreshold;
  if (name == "window") return AttentionSparsityMode::kWindow;
  if (name == "dynamic") return AttentionSparsityMode::kDynamic;
  throw std::invalid_argument("Expected none, top-k, threshold, window or dynamic for attentionSparsity but received '" +
                              name + "'");
}

void checkAttentionSparsity(const AttentionSparsity& s) {
  if (s.mode == AttentionSparsityMode::kWindow) {
    if (s.window < 1) throw std::invalid_argument("Expected a positive integer for attentionWindow");
    return;
  }
  if (s.mode != AttentionSparsityMode::kNone && !(s.level > 0 && s.level <= 1))
    throw std::invalid_argument("Expected a number in (0, 1] for attentionLevel but received " + std::to_string(s.level));
}

namespace {
constexpr float kDropped = -std::numeric_limits<float>::infinity();

size_t keepLargest(float* scores, size_t count, size_t keep, float* scratch) {
  if (keep >= count) return count;
  std::copy(scores, scores + count, scratch);
  std::nth_element(scratch, scratch + (count - keep), scratch + count);
  const float cut = scratch[count - keep];
  size_t kept = 0;
  for (size_t j = 0; j < count; ++j) {
    if (scores[j] >= cut) ++kept;
    else scores[j] = kDropped;
  }
  return kept;
}
}  // namespace

size_t selectScores(const AttentionSparsity& s, float* scores, size_t count, float* scratch) {
  if (s.mode == AttentionSparsityMode::kTopK)
    return keepLargest(scores, count, static_cast<size_t>(std::ceil(s.level * static_cast<double>(count))), scratch);
  float top = scores[0];
  for (size_t j = 1; j < count; ++j) top = std::max(top, scores[j]);
  double sum = 0;
  for (size_t j = 0; j < count; ++j) sum += (scratch[j] = std::exp(scores[j] - top));
  if (s.mode == AttentionSparsityMode::kThreshold) {
    const double cut = s.level * sum;
    size_t kept = 0;
    for (size_t j = 0; j < count; ++j) {
      if (scores[j] == top || scratch[j] >= cut) ++kept;
      else scores[j] = kDropped;
    }
    return kept;
  }
  // Dynamic.
  if (count < 2) return count;
  double entropy = 0;
  for (size_t j = 0; j < count; ++j) {
    const double p = scratch[j] / sum;
    if (p > 0) entropy -= p * std::log(p);
  }
  const double ratio = s.level * entropy / std::log(static_cast<double>(count));
  const size_t keep = std::max<size_t>(1, static_cast<size_t>(std::ceil(ratio * static_cast<double>(count))));
  return keepLargest(scores, count, keep, scratch);
}

}  // namespace bitbench
