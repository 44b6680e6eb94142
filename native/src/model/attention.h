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
  static constexpr size_t kMaxChunks = 32;
  static size_t bytesFor(const ModelDims& dims, size_t maxPositions, unsigned threads);

 private:
  std::vector<std::vector<float>> perThread_;  // group * maxPositions scores, one decoded row, maxima, sums
  std::vector<float> partials_;  // split items: chunk partials (out, max, sum per query head)
};

// out: rows x heads*headDim; q likewise (rows already RoPE-rotated).
void attendRows(const KvCache& cache, const AttentionKernels& kernels, const ModelDims& dims, size_t layer,
                const AttentionRow* rows, size_t count, const float* q, float* out, unsigned threads,
                AttentionScratch& scratch);

}  // namespace bitbench
