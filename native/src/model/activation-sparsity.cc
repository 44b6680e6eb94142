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
    : sparsity_(sparsity), blockColumns_(blockColumns), magnitudes_(maxK), memberScratch_(maxK) {
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

namespace {

// Four 32-bit lanes in GCC's portable vector extension (SSE2 on x86-64, NEON on AArch64), so
// that the select's passes vectorize in this generic translation unit.
typedef uint32_t U32x4 __attribute__((vector_size(16)));
typedef int32_t I32x4 __attribute__((vector_size(16)));
typedef float F32x4 __attribute__((vector_size(16)));

// |x| as bits: those of a non-negative float order like the float (NaNs above infinity).
inline uint32_t magnitudeBits(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits & 0x7fffffffu;
}
inline U32x4 magnitudeBits4(const float* x) {
  U32x4 v;
  std::memcpy(&v, x, sizeof v);
  return v & 0x7fffffffu;
}

}  // namespace

// The keep-th largest magnitude, found as a radix select on the bits of |x|: a histogram of
// their top 11 bits (exponent and 3 mantissa bits) names the bucket that holds it, and only
// that bucket's few members are selected among. (nth_element over all k values cost ~9% of a
// 2B-4T decode step at top-k 0.7.) Ties with the threshold are kept too.
//
// The select runs on one thread while the others wait, four times a layer, and in a decode
// step its code and data come from memory each time (the layer's weights streamed through the
// caches in between): a row of 2560 normal values took 3.5 us in a loop but 7.5 us with 64 MB
// read between rows (Zen 4). So its footprint is small: the histogram covers a window of 256
// buckets (32 binades) below the largest magnitude, 4 KiB on the stack rather than 32 KiB of
// the object, and the passes that read every entry are vector loops. Rows of 2560 normal
// values, 64 MB read between rows, both versions alternated in one process: 8.3 -> 5.4 us
// (Zen 4); rows in L2: 4.3 -> 3.6 us.
size_t ActivationSparsifier::keepLargest(float* x, size_t k, size_t keep) {
  // Pass 1: the zeros, and the largest magnitude (in floats: SSE2 has maxps but no 32-bit
  // integer max; a NaN never wins here, and pass 2 counts it in the top bucket). Four
  // accumulators of each, or maxps's latency would set the pace.
  I32x4 zeros4[4] = {};
  F32x4 largest4[4] = {};
  size_t j = 0;
  for (; j + 16 <= k; j += 16)
    for (size_t a = 0; a < 4; ++a) {
      const F32x4 v = reinterpret_cast<F32x4>(magnitudeBits4(x + j + 4 * a));
      zeros4[a] -= v == 0;
      largest4[a] = v > largest4[a] ? v : largest4[a];
    }
  size_t zeros = 0;
  float largestValue = 0;
  for (size_t a = 0; a < 4; ++a)
    for (size_t lane = 0; lane < 4; ++lane)
      zeros += static_cast<uint32_t>(zeros4[a][lane]), largestValue = std::max(largestValue, largest4[a][lane]);
  for (; j < k; ++j) zeros += x[j] == 0.0f, largestValue = std::max(largestValue, std::fabs(x[j]));
  // No more nonzero entries than `keep` (the squared ReLU's output, two thirds zeros, at a keep
  // ratio above a third): every entry stays. In the 2B-4T decode at top-k 0.7 (Zen 4, 2
  // threads) the down projection's 6912 inputs took 11.0-11.6 us a token and layer through the
  // histogram, 3.1 us this way.
  if (k - zeros <= keep) return zeros;
  const uint32_t largest = magnitudeBits(largestValue);

  // Pass 2: the histogram of the window; magnitudes below it share bucket 0, NaNs (above the
  // largest) the top one. Four histograms of interleaved entries: activations crowd into a few
  // buckets, and one histogram's increments would each wait for the store of the one before.
  constexpr uint32_t kWindow = 256;
  const uint32_t topBucket = largest >> 20;
  const uint32_t base = topBucket >= kWindow - 1 ? topBucket - (kWindow - 1) : 0;
  const uint32_t top = topBucket - base;
  constexpr size_t kLanes = 4;
  uint32_t histogram[kLanes][kWindow];
  std::memset(histogram, 0, sizeof histogram);
  const I32x4 base4 = I32x4{} + static_cast<int32_t>(base), top4 = I32x4{} + static_cast<int32_t>(top);
  size_t i = 0;
  for (; i + kLanes <= k; i += kLanes) {
    I32x4 b = reinterpret_cast<I32x4>(magnitudeBits4(x + i) >> 20) - base4;
    b = b > 0 ? b : 0;
    b = b < top4 ? b : top4;
    for (size_t lane = 0; lane < kLanes; ++lane) ++histogram[lane][b[lane]];
  }
  for (; i < k; ++i) {
    const uint32_t b = magnitudeBits(x[i]) >> 20;
    ++histogram[0][std::min(b > base ? b - base : 0, top)];
  }
  auto count = [&](size_t b) {
    size_t sum = 0;
    for (size_t lane = 0; lane < kLanes; ++lane) sum += histogram[lane][b];
    return sum;
  };
  // More entries than `keep` are nonzero, so the keep-th largest is too, though it may share
  // bucket 0 with the zeros: the search below finds it there like anywhere. Down from the top
  // bucket to the one that holds it: `above` values lie above it.
  size_t bucket = top + 1, above = 0;
  while (bucket > 0 && above + count(bucket - 1) < keep) above += count(--bucket);
  --bucket;

  // Pass 3: the bucket's members, the magnitudes in [low, low + span) as bits, sixteen entries
  // at a time: a few percent of the entries fall in it, so most groups hold none, and one
  // vector test skips them.
  const uint32_t low = bucket == 0 ? 0 : (base + bucket) << 20;
  const uint32_t span = (bucket == top ? 0x80000000u : (base + bucket + 1) << 20) - low;
  uint32_t* members = memberScratch_.data();
  size_t m = 0;
  auto gather = [&](uint32_t bits) {
    members[m] = bits;  // the scratch has room for k: a store, kept only by the count
    m += bits - low < span;
  };
  size_t g = 0;
  for (; g + 16 <= k; g += 16) {
    I32x4 any = {};
    for (size_t t = 0; t < 16; t += 4) any |= reinterpret_cast<I32x4>(magnitudeBits4(x + g + t) - low < span);
    if ((any[0] | any[1] | any[2] | any[3]) == 0) continue;
    for (size_t t = 0; t < 16; ++t) gather(magnitudeBits(x[g + t]));
  }
  for (; g < k; ++g) gather(magnitudeBits(x[g]));
  const size_t need = keep - above;  // of the bucket's m values, the largest `need` stay
  std::nth_element(members, members + (m - need), members + m);
  const uint32_t threshold = members[m - need];

  // Pass 4: below the threshold, zero. Exactly `keep` entries lie at or above it, ties aside.
  size_t kept = 0;
  for (j = 0; j < k; ++j) {
    const bool stays = magnitudeBits(x[j]) >= threshold;
    x[j] = stays ? x[j] : 0.0f;
    kept += stays;
  }
  return k - kept;
}

void ActivationSparsifier::apply(float* x, size_t rows, size_t k) {
  if (k > magnitudes_.size()) throw std::invalid_argument("sparsify: row longer than the sparsifier was built for");
  auto countZeros = [k](const float* row) {
    uint32_t zeros = 0;  // 32 bits, so that the loop vectorizes
    for (size_t i = 0; i < k; ++i) zeros += row[i] == 0.0f;
    return static_cast<size_t>(zeros);
  };
  for (size_t r = 0; r < rows; ++r) {
    float* row = x + r * k;
    size_t zeros = 0;
    switch (sparsity_.mode) {
      case SparsityMode::kNone:
        zeros = countZeros(row);
        break;
      case SparsityMode::kThreshold: {
        const float t = static_cast<float>(sparsity_.level);
        for (size_t i = 0; i < k; ++i) row[i] = std::fabs(row[i]) < t ? 0.0f : row[i];
        zeros = countZeros(row);
        break;
      }
      case SparsityMode::kTopK:
        zeros = keepLargest(row, k, static_cast<size_t>(std::ceil(sparsity_.level * static_cast<double>(k))));
        break;
      case SparsityMode::kAdaptive: {
        const double ratio = sparsity_.level * normalizedEntropy(row, k);
        zeros = keepLargest(row, k, std::max<size_t>(1, static_cast<size_t>(std::ceil(ratio * static_cast<double>(k)))));
        break;
      }
      case SparsityMode::kTopKBlocks:
        keepLargestBlocks(row, k);
        zeros = countZeros(row);
        break;
    }
    zeroSum_ += static_cast<double>(zeros) / static_cast<double>(k);
    ++rows_;
  }
}

}  // namespace bitbench
