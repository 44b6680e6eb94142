// Scratch memory shared by compute paths that never run at the same time: the layers of a
// model run one after another, so they can share one set of activation and dequantization
// buffers instead of each holding its own. Buffers grow on demand; contents do not survive
// a call that needs a larger buffer.
#pragma once
#include <cstddef>
#include <vector>

#include "aligned-buffer.h"

namespace bitbench {

class Workspace {
 public:
  enum Slot : size_t {
    kPaddedActivations,
    kBf16Activations,
    kDequantizedWeights,
    // fused-i8: int8 activations and their per-row scale and sum.
    kI8Activations,
    kI8Rows,
    // kThreadScratch + i: thread i's own scratch.
    kThreadScratch,
  };

  // At least `bytes` bytes for `slot`. Call only from the thread that runs the path, never
  // inside a parallel region.
  void* get(size_t slot, size_t bytes) {
    if (buffers_.size() <= slot) buffers_.resize(slot + 1);
    if (buffers_[slot].bytes() < bytes) buffers_[slot] = AlignedBuffer(bytes);
    return buffers_[slot].as<void>();
  }

  size_t allocatedBytes() const {
    size_t total = 0;
    for (const AlignedBuffer& buffer : buffers_) total += buffer.bytes();
    return total;
  }

 private:
  std::vector<AlignedBuffer> buffers_;
};

}  // namespace bitbench
