#include "activation-sparsity.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace bitbench {

SparsityMode parseSparsityMode(const std::string& name) {
  if (name == "none") return SparsityMode::kNone;
  if (name == "threshold") return SparsityMode::kThreshold;
  if (name == "top-k") return SparsityMode::kTopK;
  if (name == "adaptive") return SparsityMode::kAdaptive;
  if (name == "top-k-blocks") return SparsityMode::kTopKBlocks;
  throw std::invalid_argument("Expected sparsity to be one of none, threshold, top-k, adaptive, top-k-blocks but received '" +
                              name + "'");
}

void checkActivationSparsity(const ActivationSparsity& s) {
  if (s.mode == SparsityMode::kNone) return;
  if (s.mode == SparsityMode::kThreshold && !(s.level > 0))
    throw std::invalid_argument("Expected sparsityLevel (a threshold) to be above 0 but received " + std::to_string(s.level));
  if (s.mode != SparsityMode::kThreshold && !(s.level > 0 && s.level <= 1))
    throw std::invalid_argument("Expected sparsityLevel (a keep ratio) in (0, 1] but received " + std::to_string(s.level));
}

namespace {

// log2 to about 2e-4, in arithmetic the compiler vectorizes (libm's logf would cost a call per
// entry: 7k per FFN input, four inputs per layer). Exponent from the bits, mantissa in [1, 2)
// through a quartic least-squares fit.
inline float fastLog2(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const float exponent = static_cast<float>(static_cast<int32_t>(bits >> 23) - 127);
  bits = (bits & 0x007fffffu) | 0x3f800000u;
  float m;
  std::memcpy(&m, &bits, sizeof m);
  return exponent + ((((-0.0791668f * m + 0.62893781f) * m - 2.08138491f) * m + 4.02874225f) * m - 2.49692625f);
}

// Normalized entropy of p = |x| / sum |x|: H / ln k = (log2 S - sum |x| log2 |x| / S) / log2 k.
double normalizedEntropy(const float* x, size_t k) {
  float sum = 0, weighted = 0;
  for (size_t i = 0; i < k; ++i) {
    const float a = std::fabs(x[i]);
    sum += a;
    weighted += a > 0 ? a * fastLog2(a) : 0.0f;
  }
  if (!(sum > 0) || k < 2) return 1.0;
  const double h = (std::log2(static_cast<double>(sum)) - weighted / sum) / std::log2(static_cast<double>(k));
  return std::clamp(h, 0.0, 1.0);
}

}  // namespace

ActivationSparsifier::ActivationSparsifier(const ActivationSparsity& sparsity, size_t maxK, size_t blockColumns)
    : sparsity_(sparsity), blockColumns_(blockColumns), magnitudes_(maxK) {
  checkActivationSparsity(sparsity);
  if (blockColumns == 0) throw std::invalid_argument("Expected a sparsity column block of at least 1 column");
  energyScratch_.reserve(maxK);
}

// Blocks of equal energy: the one nearer the front wins, so the choice is deterministic.
void ActivationSparsifier::keepLargestBlocks(float* x, size_t k) {
  const size_t blocks = (k + blockColumns_ - 1) / blockColumns_;
  const size_t keep = static_cast<size_t>(std::ceil(sparsity_.level * static_cast<double>(blocks)));
  if (keep >= blocks) return;
  float* energy = magnitudes_.data();  // blocks <= k entries
  for (size_t b = 0; b < blocks; ++b) {
    float sum = 0;
    for (size_t i = b * blockColumns_; i < std::min(k, (b + 1) * blockColumns_); ++i) sum += x[i] * x[i];
    energy[b] = sum;
  }
  // The keep-th largest energy, and how many above it: blocks above stay, then ties in order.
  std::vector<float>& sorted = energyScratch_;
  sorted.assign(energy, energy + blocks);
  std::nth_element(sorted.begin(), sorted.begin() + (blocks - keep), sorted.end());
  const float threshold = sorted[blocks - keep];
  size_t above = 0;
  for (size_t b = 0; b < blocks; ++b) above += energy[b] > threshold;
  size_t ties = keep - above;
  for (size_t b = 0; b < blocks; ++b) {
    bool kept = energy[b] > threshold;
    if (!kept && energy[b] == threshold && ties > 0) kept = true, --ties;
    if (!kept) std::fill(x + b * blockColumns_, x + std::min(k, (b + 1) * blockColumns_), 0.0f);
  }
}

// The keep-th largest magnitude, found as a radix select: the bits of a non-negative float
// order like the float, so a histogram of their top 11 bits (exponent and 3 mantissa bits)
// names the bucket that holds it, and only that bucket's few values are selected among.
// (nth_element over all k values cost ~9% of a 2B-4T decode step at top-k 0.7.) Ties with the
// threshold are kept too. The select runs on one thread while the others wait, four times a
// layer, so every pass counts: four histogram lanes, a skip of eight entries at a time while
// gathering the bucket, and no search at all where the keep-th largest is zero halved its
// instructions (callgrind) and took the decode step's cost of it from ~1.8 to ~0.7 ms (2B-4T
// at top-k 0.7, Zen 4, 2 threads).
void ActivationSparsifier::keepLargest(float* x, size_t k, size_t keep) {
  if (keep >= k) return;
  // No more nonzero entries than `keep` (the squared ReLU's output, two thirds zeros, at a keep
  // ratio above a third): the keep-th largest is zero or the smallest nonzero, and every entry
  // stays as it is. Counted before the histogram, not from it: in the 2B-4T decode at top-k
  // 0.7 (Zen 4, 2 threads) the down projection's 6912 inputs took 11.0-11.6 us a token and
  // layer through the histogram, 3.1 us this way; the other inputs, which have few zeros, pay
  // for the count (9.6-9.7 -> 10.4-10.6 us): 0.18 ms a step less in all.
  uint32_t zeros = 0;  // 32 bits, so that the loop vectorizes
  for (size_t j = 0; j < k; ++j) zeros += x[j] == 0.0f;
  if (k - zeros <= keep) return;
  auto bucketOf = [](float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return (bits & 0x7fffffffu) >> 20;
  };
  // Four histograms of interleaved entries: activations crowd into a few buckets, and one
  // histogram's increments would each wait for the store of the one before.
  for (auto& lane : histogram_) lane.fill(0);
  uint32_t top = 0;
  size_t i = 0;
  for (; i + kLanes <= k; i += kLanes)
    for (size_t lane = 0; lane < kLanes; ++lane) {
      const uint32_t b = bucketOf(x[i + lane]);
      ++histogram_[lane][b];
      top = std::max(top, b);
    }
  for (; i < k; ++i) {
    const uint32_t b = bucketOf(x[i]);
    ++histogram_[0][b];
    top = std::max(top, b);
  }
  auto count = [&](size_t b) {
    size_t sum = 0;
    for (const auto& lane : histogram_) sum += lane[b];
    return sum;
  };
  // More entries than `keep` are nonzero, so the keep-th largest is too, though it may share
  // bucket 0 with the zeros (a subnormal): the search below finds it there like anywhere.
  // Down from the largest bucket to the one that holds the keep-th largest: `above` values lie
  // above it.
  size_t bucket = top + 1, above = 0;
  while (bucket > 0 && above + count(bucket - 1) < keep) above += count(--bucket);
  --bucket;
  // The bucket's members, eight entries at a time: a few percent of the entries fall in it, so
  // most groups of eight hold none, and one test (which vectorizes) skips them.
  size_t m = 0;
  size_t g = 0;
  for (; g + 8 <= k; g += 8) {
    uint32_t any = 0;
    for (size_t t = 0; t < 8; ++t) any |= bucketOf(x[g + t]) == bucket;
    if (any == 0) continue;
    for (size_t t = 0; t < 8; ++t)
      if (bucketOf(x[g + t]) == bucket) magnitudes_[m++] = std::fabs(x[g + t]);
  }
  for (; g < k; ++g)
    if (bucketOf(x[g]) == bucket) magnitudes_[m++] = std::fabs(x[g]);
  const size_t need = keep - above;  // of the bucket's m values, the largest `need` stay
  std::nth_element(magnitudes_.begin(), magnitudes_.begin() + (m - need), magnitudes_.begin() + m);
  const float threshold = magnitudes_[m - need];
  for (size_t j = 0; j < k; ++j) x[j] = std::fabs(x[j]) < threshold ? 0.0f : x[j];
}

void ActivationSparsifier::apply(float* x, size_t rows, size_t k) {
  if (k > magnitudes_.size()) throw std::invalid_argument("sparsify: row longer than the sparsifier was built for");
  for (size_t r = 0; r < rows; ++r) {
    float* row = x + r * k;
    switch (sparsity_.mode) {
      case SparsityMode::kNone: break;
      case SparsityMode::kThreshold: {
        const float t = static_cast<float>(sparsity_.level);
        for (size_t i = 0; i < k; ++i) row[i] = std::fabs(row[i]) < t ? 0.0f : row[i];
        break;
      }
      case SparsityMode::kTopK:
        keepLargest(row, k, static_cast<size_t>(std::ceil(sparsity_.level * static_cast<double>(k))));
        break;
      case SparsityMode::kAdaptive: {
        const double ratio = sparsity_.level * normalizedEntropy(row, k);
        keepLargest(row, k, std::max<size_t>(1, static_cast<size_t>(std::ceil(ratio * static_cast<double>(k)))));
        break;
      }
      case SparsityMode::kTopKBlocks:
        keepLargestBlocks(row, k);
        break;
    }
    uint32_t zeros = 0;  // 32 bits, so that the loop vectorizes
    for (size_t i = 0; i < k; ++i) zeros += row[i] == 0.0f;
    zeroSum_ += static_cast<double>(zeros) / static_cast<double>(k);
    ++rows_;
  }
}

}  // namespace bitbench
