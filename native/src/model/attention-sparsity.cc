#include "attention-sparsity.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
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

// A float's bits as an unsigned key that orders like the float (negatives flipped whole,
// positives with the sign bit set).
inline uint32_t orderedKey(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits & 0x80000000u ? ~bits : bits | 0x80000000u;
}

// The keep largest scores stay (ties at the cut too). A radix select: a histogram of the keys'
// top 11 bits names the bucket that holds the keep-th largest, and only that bucket's few
// scores go to nth_element (nth_element over all of them, 8K scores per query head at 8K
// context, cost more than the attention it was to save).
size_t keepLargest(float* scores, size_t count, size_t keep, float* scratch) {
  if (keep >= count) return count;
  constexpr int kShift = 21;
  uint32_t histogram[1u << (32 - kShift)] = {};
  for (size_t j = 0; j < count; ++j) ++histogram[orderedKey(scores[j]) >> kShift];
  size_t bucket = std::size(histogram), above = 0;
  while (above + histogram[bucket - 1] < keep) above += histogram[--bucket];
  --bucket;  // holds the keep-th largest: `above` scores lie above it
  size_t m = 0;
  for (size_t j = 0; j < count; ++j)
    if (orderedKey(scores[j]) >> kShift == bucket) scratch[m++] = scores[j];
  const size_t need = keep - above;  // of the bucket's m scores, the largest `need` stay
  std::nth_element(scratch, scratch + (m - need), scratch + m);
  const float cut = scratch[m - need];
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
  // Dynamic. With p_j = e_j / S and e_j = exp(s_j - top): ln p_j = (s_j - top) - ln S, so
  // H = -sum p_j ln p_j = ln S - sum e_j (s_j - top) / S: no logarithm per score.
  if (count < 2) return count;
  double weighted = 0;
  for (size_t j = 0; j < count; ++j) weighted += static_cast<double>(scratch[j]) * (scores[j] - top);
  const double entropy = std::max(0.0, std::log(sum) - weighted / sum);
  const double ratio = s.level * entropy / std::log(static_cast<double>(count));
  const size_t keep = std::max<size_t>(1, static_cast<size_t>(std::ceil(ratio * static_cast<double>(count))));
  return keepLargest(scores, count, keep, scratch);
}

}  // namespace bitbench
