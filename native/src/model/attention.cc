#include "attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "../runtime/thread-pool.h"

namespace bitbench {

namespace {
// Split items' partials are laid out as [item][chunk][group] of (headDim outputs, max, sum);
// with fewer than 2 * threads items split.
size_t partialStride(const ModelDims& d) { return d.headDim + 2; }
size_t splitItemsMax(unsigned threads) { return 2 * static_cast<size_t>(threads); }
// Shorter chunks cost more in combining than they gain in balance.
constexpr size_t kMinChunk = 64;
}  // namespace

AttentionScratch::AttentionScratch(const ModelDims& d, size_t maxPositions, unsigned threads)
    : perThread_(threads, std::vector<float>((d.heads / d.kvHeads) * (maxPositions + 2) + d.headDim)),
      partials_(splitItemsMax(threads) * kMaxChunks * (d.heads / d.kvHeads) * partialStride(d)) {}

size_t AttentionScratch::bytesFor(const ModelDims& d, size_t maxPositions, unsigned threads) {
  const size_t group = d.heads / d.kvHeads;
  return sizeof(float) * (threads * (group * (maxPositions + 2) + d.headDim) +
                          splitItemsMax(threads) * kMaxChunks * group * partialStride(d));
}

void attendRows(const KvCache& cache, const AttentionKernels& kernels, const ModelDims& d, size_t layer,
                const AttentionRow* rows, size_t count, const float* q, float* out, unsigned threads,
                AttentionScratch& scratch) {
  const size_t group = d.heads / d.kvHeads;
  const size_t items = count * d.kvHeads;
  const float scoreScale = 1.0f / std::sqrt(static_cast<float>(d.headDim));
  const AttendChunkFn kernel = kernels.chunk[static_cast<int>(cache.dtype())];
  size_t chunks = 1;
  if (items < splitItemsMax(threads)) {
    size_t longest = 0;
    for (size_t r = 0; r < count; ++r) longest = std::max(longest, rows[r].position + 1);
    chunks = std::min({AttentionScratch::kMaxChunks, (4 * static_cast<size_t>(threads) + items - 1) / items,
                       (longest + kMinChunk - 1) / kMinChunk});
    chunks = std::max<size_t>(chunks, 1);
  }
  const size_t stride = partialStride(d);
  float* partials = scratch.partials();

  ThreadPool::shared().parallel(threads, [&](unsigned index, unsigned used) {
    const RowRange range = splitRows(items * chunks, 1, index, used);
    float* scores = scratch.scores(index);
    float* decoded = scores + group * cache.positions();
    float* maxes = decoded + d.headDim;  // a whole item's maxima and sums (chunks == 1)
    float* sums = maxes + group;
    for (size_t unit = range.begin; unit < range.end; ++unit) {
      const size_t item = unit / chunks, chunk = unit % chunks;
      const size_t r = item / d.kvHeads, kvHead = item % d.kvHeads;
      const size_t span = rows[r].position + 1;
      const size_t length = (span + chunks - 1) / chunks;
      const size_t begin = std::min(span, chunk * length), end = std::min(span, begin + length);
      const KvHeadView view = cache.head(layer, rows[r].sequence, kvHead);
      float* target = out + r * d.hidden + kvHead * group * d.headDim;
      float* base = partials + (item * chunks + chunk) * group * stride;
      float* chunkMaxes = chunks == 1 ? maxes : base + group * d.headDim;
      float* chunkSums = chunks == 1 ? sums : chunkMaxes + group;
      if (begin == end) {  // a chunk past a short row's end
        for (size_t g = 0; g < group; ++g) chunkMaxes[g] = -std::numeric_limits<float>::infinity(), chunkSums[g] = 0;
        std::fill(base, base + group * d.headDim, 0.0f);
        continue;
      }
      const AttentionChunk c{q + r * d.hidden + kvHead * group * d.headDim,
                             group,
                             d.headDim,
                             view.keys + begin * view.rowBytes,
                             view.values + begin * view.rowBytes,
                             view.keyScales ? view.keyScales + begin * view.scaleStride : nullptr,
                             view.valueScales ? view.valueScales + begin * view.scaleStride : nullptr,
                             view.rowBytes,
                             view.scaleStride,
                             end - begin,
                             scoreScale,
                             scores,
                             decoded,
                             chunks == 1 ? target : base,
                             chunkMaxes,
                             chunkSums};
      kernel(c);
      if (chunks == 1)
        for (size_t g = 0; g < group; ++g) {
          const float inverse = 1.0f / sums[g];
          for (size_t i = 0; i < d.headDim; ++i) target[g * d.headDim + i] *= inverse;
        }
    }
  });
  if (chunks == 1) return;
  // Combine each split item's chunks: rescale every partial to the largest maximum.
  for (size_t item = 0; item < items; ++item) {
    const size_t r = item / d.kvHeads, kvHead = item % d.kvHeads;
    for (size_t g = 0; g < group; ++g) {
      float* target = out + r * d.hidden + (kvHead * group + g) * d.headDim;
      float top = -std::numeric_limits<float>::infinity();
      for (size_t c = 0; c < chunks; ++c) {
        const float* base = partials + (item * chunks + c) * group * stride;
        top = std::max(top, base[group * d.headDim + g]);
      }
      float total = 0;
      std::fill(target, target + d.headDim, 0.0f);
      for (size_t c = 0; c < chunks; ++c) {
        const float* base = partials + (item * chunks + c) * group * stride;
        const float chunkMax = base[group * d.headDim + g];
        if (chunkMax == -std::numeric_limits<float>::infinity()) continue;
        const float weight = std::exp(chunkMax - top);
        total += weight * base[group * d.headDim + group + g];
        for (size_t i = 0; i < d.headDim; ++i) target[i] += weight * base[g * d.headDim + i];
      }
      for (size_t i = 0; i < d.headDim; ++i) target[i] /= total;
    }
  }
}

}  // namespace bitbench
