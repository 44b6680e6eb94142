// Activation sparsity on the input of every ternary layer: which entries of a token's
// activations are zeroed before the projection, so that a sparse kernel may skip their weights.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bitbench {

enum class SparsityMode {
  kNone,
  // |x| < level zeroed.
  kThreshold,
  // Per token, the ceil(level * k) entries of largest |x| kept (level in (0, 1]).
  kTopK,
  // Per token, top-k with a keep ratio of level times the normalized entropy of |x|
  // (H(p) / ln k, p = |x| / sum |x|): a token whose magnitude sits in few entries keeps fewer.
  kAdaptive,
  // Per token, the ceil(level * blocks) column blocks of largest sum of squares kept, the
  // others zeroed whole; blocks are the sparse kernel's (ComputePath::sparseBlockColumns), so
  // every zeroed block is weights the kernel does not read. Per-entry top-k zeroes scattered
  // entries and almost never a whole block: it cannot make a memory-bound step faster.
  kTopKBlocks,
};

struct ActivationSparsity {
  SparsityMode mode = SparsityMode::kNone;
  double level = 0;
};

// Throws std::invalid_argument naming the known modes.
SparsityMode parseSparsityMode(const std::string& name);
// Throws std::invalid_argument when the level does not fit the mode.
void checkActivationSparsity(const ActivationSparsity& sparsity);

class ActivationSparsifier {
 public:
  // blockColumns: the column block of kTopKBlocks (ignored by the other modes).
  ActivationSparsifier(const ActivationSparsity& sparsity, size_t maxK, size_t blockColumns = 64);
  // Zeroes entries of each of `rows` rows of k floats as the mode says.
  void apply(float* x, size_t rows, size_t k);
  // Mean over the rows applied to of the fraction of entries zero afterwards.
  double zeroFraction() const { return rows_ ? zeroSum_ / static_cast<double>(rows_) : 0.0; }
  void resetCounters() { rows_ = 0, zeroSum_ = 0; }

 private:
  // Returns how many of the k entries are zero afterwards.
  size_t keepLargest(float* x, size_t k, size_t keep);
  void keepLargestBlocks(float* x, size_t k);

  ActivationSparsity sparsity_;
  size_t blockColumns_;
  std::vector<float> magnitudes_;  // scratch: sized once, a decode step allocates nothing
  std::vector<uint32_t> memberScratch_;  // keepLargest's bucket members, as bits; sized once
  std::vector<float> energyScratch_;  // reserved for maxK blocks: apply() allocates nothing
  size_t rows_ = 0;
  double zeroSum_ = 0;
};

}  // namespace bitbench
