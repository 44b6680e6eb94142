// Grouped-query decode attention over a KvCache, on the thread pool. Few rows (decode at
// batch 1 has kvHeads work items; 2B-4T has 5) would leave threads idle, so each row's span
// is then split into chunks whose unnormalized softmax partials combine exactly
// (flash-decoding); many rows run whole, one item per (row, kv head).
#pragma once
#include <cstddef>
#include <vector>

#include "attention-kernels.h"
#include "kv-cache.h"

namespace bitbench {

struct AttentionRow {
  size_t sequence;
  size_t position;  // attends over positions 0 ..= position
};

// Scratch sized once (a timed step allocates nothing).
class AttentionScratch {
 public:
  AttentionScratch(const ModelDims& dims, size_t maxPositions, unsigned threads);
  float* scores(unsigned thread) { return perThread_[thread].data(); }
  float* partials() { return partials_.data(); }
  // Per thread: the score selection's scratch (maxPositions) and a second partial (window
  // mode: a chunk spanning the global tokens and the window runs as two pieces, merged).
  float* selectScratch(unsigned thread) { return perThread_[thread].data() + selectOffset_; }
  float* piece(unsigned thread) { return selectScratch(thread) + maxPositions_; }
  size_t* kept() { return kept_.data(); }
  static constexpr size_t kMaxChunks = 32;
  static size_t bytesFor(const ModelDims& dims, size_t maxPositions, unsigned threads);

 private:
  std::vector<std::vector<float>> perThread_;  // group * maxPositions scores, one decoded row, maxima, sums
  std::vector<float> partials_;  // split items: chunk partials (out, max, sum per query head)
  std::vector<size_t> kept_;  // per thread
  size_t selectOffset_;
  size_t maxPositions_;
};

// (query head, position) pairs the softmax kept, of those it could attend to.
struct AttentionCounts {
  double kept = 0;
  double total = 0;
};

// out: rows x heads*headDim; q likewise (rows already RoPE-rotated). Score modes of
// `sparsity` select over a row's whole span, so each (row, kv head) then runs unsplit.
AttentionCounts attendRows(const KvCache& cache, const AttentionKernels& kernels, const ModelDims& dims, size_t layer,
                           const AttentionRow* rows, size_t count, const float* q, float* out, unsigned threads,
                           AttentionScratch& scratch, const AttentionSparsity& sparsity = {});

}  // namespace bitbench
