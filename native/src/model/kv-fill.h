// The fast way to a long context: the cache entries of a short real prompt (positions
// 0 .. sourcePositions-1, computed by the real layers) repeated up to `end`. A key is stored
// RoPE-rotated, and rotations compose, so the copy at position t of the key at s = t mod P is
// that key turned by the angles of t - s: what the layers would have stored for the same
// token at t. Values are position-free and copied as they are.
#pragma once
#include <cstddef>

#include "kv-cache.h"

namespace bitbench {

// Reads from `source` (the most exact cache the model has) and stores into every target.
void fillKvTiled(const KvCache& source, KvCache* const* targets, size_t targetCount, const ModelDims& dims,
                 size_t sequences, size_t sourcePositions, size_t end, unsigned threads);

}  // namespace bitbench
