#include "attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "../runtime/thread-pool.h"

namespace bitbench {

namespace {
// Split items' partials are laid out as [item][chunk][group] of (headDim outputs, max, sum);
// with fewer than 4 * threads items split, into at least 4 * threads units. (Below 2 * threads,
// 2B-4T's 5 kv heads at batch 1 ran whole on 2 threads: 3 on one, 2 on the other.)
size_t partialStride(const ModelDims& d) { return d.headDim + 2; }
size_t splitItemsMax(unsigned threads) { return 4 * static_cast<size_t>(threads); }
// Shorter chunks cost more in combining than they gain in balance.
constexpr size_t kMinChunk = 64;

// The positions a row keeps in window mode: [0, global) and [span - window, span), as one run
// of `length` kept indices.
struct WindowSpan {
  size_t global;  // kept indices below it are positions; the rest map to tail + (i - global)
  size_t tail;
  size_t length;
};
WindowSpan windowSpan(const AttentionSparsity& s, size_t span) {
  if (s.mode != AttentionSparsityMode::kWindow) return {span, span, span};
  const size_t global = std::min(s.global, span);
  const size_t window = std::min(s.window, span - global);
  return {global, span - window, global + window};
}

// Folds partial b (out, maxes, sums of `group` heads) into a.
void mergePartial(float* aOut, float* aMaxes, float* aSums, const float* bOut, const float* bMaxes, const float* bSums,
                  size_t group, size_t headDim) {
  for (size_t g = 0; g < group; ++g) {
    const float top = std::max(aMaxes[g], bMaxes[g]);
    const float wa = std::exp(aMaxes[g] - top), wb = std::exp(bMaxes[g] - top);
    for (size_t i = 0; i < headDim; ++i) aOut[g * headDim + i] = wa * aOut[g * headDim + i] + wb * bOut[g * headDim + i];
    aSums[g] = wa * aSums[g] + wb * bSums[g];
    aMaxes[g] = top;
  }
}
}  // namespace

size_t perThreadFloats(const ModelDims& d, size_t maxPositions) {
  const size_t group = d.heads / d.kvHeads;
  return group * (maxPositions + 2) + d.headDim + maxPositions + group * partialStride(d);
}

AttentionScratch::AttentionScratch(const ModelDims& d, size_t maxPositions, unsigned threads)
    : perThread_(threads, std::vector<float>(perThreadFloats(d, maxPositions))),
      partials_(splitItemsMax(threads) * kMaxChunks * (d.heads / d.kvHeads) * partialStride(d)),
      kept_(threads),
      selectOffset_((d.heads / d.kvHeads) * (maxPositions + 2) + d.headDim),
      maxPositions_(maxPositions) {}

size_t AttentionScratch::bytesFor(const ModelDims& d, size_t maxPositions, unsigned threads) {
  const size_t group = d.heads / d.kvHeads;
  return sizeof(float) * (threads * perThreadFloats(d, maxPositions) +
                          splitItemsMax(threads) * kMaxChunks * group * partialStride(d));
}

AttentionCounts attendRows(const KvCache& cache, const AttentionKernels& kernels, const ModelDims& d, size_t layer,
                           const AttentionRow* rows, size_t count, const float* q, float* out, unsigned threads,
                           AttentionScratch& scratch, const AttentionSparsity& sparsity) {
  const size_t group = d.heads / d.kvHeads;
  const size_t items = count * d.kvHeads;
  const float scoreScale = 1.0f / std::sqrt(static_cast<float>(d.headDim));
  const bool byScore = selectsByScore(sparsity);
  const AttendChunkFn kernel = (byScore ? kernels.maskedChunk : kernels.chunk)[static_cast<int>(cache.dtype())];
  AttentionCounts counts;
  size_t chunks = 1;
  size_t longest = 0;
  for (size_t r = 0; r < count; ++r) {
    const WindowSpan w = windowSpan(sparsity, rows[r].position + 1);
    longest = std::max(longest, w.length);
    counts.total += static_cast<double>(d.heads) * static_cast<double>(rows[r].position + 1);
    counts.kept += static_cast<double>(d.heads) * static_cast<double>(w.length);
  }
  if (items < splitItemsMax(threads) && !byScore) {
    chunks = std::min({AttentionScratch::kMaxChunks, (4 * static_cast<size_t>(threads) + items - 1) / items,
                       (longest + kMinChunk - 1) / kMinChunk});
    chunks = std::max<size_t>(chunks, 1);
  }
  const size_t stride = partialStride(d);
  float* partials = scratch.partials();
  for (unsigned t = 0; t < threads; ++t) scratch.kept()[t] = 0;

  ThreadPool::shared().parallel(threads, [&](unsigned index, unsigned used) {
    const RowRange range = splitRows(items * chunks, 1, index, used);
    float* scores = scratch.scores(index);
    float* decoded = scores + group * cache.positions();
    float* maxes = decoded + d.headDim;  // a whole item's maxima and sums (chunks == 1)
    float* sums = maxes + group;
    float* piece = scratch.piece(index);
    for (size_t unit = range.begin; unit < range.end; ++unit) {
      const size_t item = unit / chunks, chunk = unit % chunks;
      const size_t r = item / d.kvHeads, kvHead = item % d.kvHeads;
      const WindowSpan w = windowSpan(sparsity, rows[r].position + 1);
      const size_t length = (w.length + chunks - 1) / chunks;
      const size_t begin = std::min(w.length, chunk * length), end = std::min(w.length, begin + length);
      const KvHeadView view = cache.head(layer, rows[r].sequence, kvHead);
      float* target = out + r * d.hidden + kvHead * group * d.headDim;
      float* base = partials + (item * chunks + chunk) * group * stride;
      float* chunkOut = chunks == 1 ? target : base;
      float* chunkMaxes = chunks == 1 ? maxes : base + group * d.headDim;
      float* chunkSums = chunks == 1 ? sums : chunkMaxes + group;
      if (begin == end) {  // a chunk past a short row's end
        for (size_t g = 0; g < group; ++g) chunkMaxes[g] = -std::numeric_limits<float>::infinity(), chunkSums[g] = 0;
        std::fill(base, base + group * d.headDim, 0.0f);
        continue;
      }
      // Kept indices [begin, end) as at most two runs of positions: below w.global, and the tail.
      const size_t firstEnd = std::min(end, w.global);
      struct Run {
        size_t from, count;
      } runs[2];
      size_t runCount = 0;
      if (begin < firstEnd) runs[runCount++] = {begin, firstEnd - begin};
      if (end > w.global) {
        const size_t from = std::max(begin, w.global);
        runs[runCount++] = {w.tail + (from - w.global), end - from};
      }
      for (size_t k = 0; k < runCount; ++k) {
        float* runOut = k == 0 ? chunkOut : piece;
        float* runMaxes = k == 0 ? chunkMaxes : piece + group * d.headDim;
        float* runSums = k == 0 ? chunkSums : runMaxes + group;
        const size_t from = runs[k].from;
        AttentionChunk c{q + r * d.hidden + kvHead * group * d.headDim,
                         group,
                         d.headDim,
                         view.keys + from * view.rowBytes,
                         view.values + from * view.rowBytes,
                         view.keyScales ? view.keyScales + from * view.scaleStride : nullptr,
                         view.valueScales ? view.valueScales + from * view.scaleStride : nullptr,
                         view.rowBytes,
                         view.scaleStride,
                         runs[k].count,
                         scoreScale,
                         scores,
                         decoded,
                         runOut,
                         runMaxes,
                         runSums};
        if (byScore) c.select = &sparsity, c.selectScratch = scratch.selectScratch(index), c.kept = scratch.kept() + index;
        kernel(c);
        if (k == 1) mergePartial(chunkOut, chunkMaxes, chunkSums, runOut, runMaxes, runSums, group, d.headDim);
      }
      if (chunks == 1)
        for (size_t g = 0; g < group; ++g) {
          const float inverse = 1.0f / sums[g];
          for (size_t i = 0; i < d.headDim; ++i) target[g * d.headDim + i] *= inverse;
        }
    }
  });
  if (byScore) {
    counts.kept = 0;
    for (unsigned t = 0; t < threads; ++t) counts.kept += static_cast<double>(scratch.kept()[t]);
  }
  if (chunks == 1) return counts;
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
  return counts;
}

}  // namespace bitbench
