// The key/value cache of every layer and sequence, in bf16 or int8 (one fp32 scale per
// position and kv head; half the bytes of bf16).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../runtime/aligned-buffer.h"
#include "model-spec.h"

namespace bitbench {

class KvCache {
 public:
  KvCache(const ModelDims& dims, KvDtype dtype, size_t sequences, size_t positions);
  static size_t bytesFor(const ModelDims& dims, KvDtype dtype, size_t sequences, size_t positions);

  // Stores the key and value vectors (kvHeads x headDim each) of one position.
  void store(size_t layer, size_t sequence, size_t position, const float* key, const float* value);
  // Reads back one head's key or value at a position as fp32.
  void readKey(size_t layer, size_t sequence, size_t position, size_t head, float* out) const;
  void readValue(size_t layer, size_t sequence, size_t position, size_t head, float* out) const;

  // Bytes read to attend over `positions` positions of one sequence in one layer.
  size_t bytesPerLayerRead(size_t positions) const;
  KvDtype dtype() const { return dtype_; }

 private:
  size_t slot(size_t layer, size_t sequence, size_t position) const {
    return (layer * sequences_ + sequence) * positions_ + position;
  }
  void storeVector(AlignedBuffer& data, AlignedBuffer& scales, size_t slotIndex, const float* values);
  void readVector(const AlignedBuffer& data, const AlignedBuffer& scales, size_t slotIndex, size_t head,
                  float* out) const;

  ModelDims dims_;
  KvDtype dtype_;
  size_t sequences_;
  size_t positions_;
  size_t width_;  // kvHeads * headDim
  AlignedBuffer keys_, values_, keyScales_, valueScales_;
};

}  // namespace bitbench
