// The key/value cache of every layer and sequence, in bf16, int8, fp8 E4M3 or fp8 E5M2. The
// one-byte formats keep one fp32 scale per position and kv head (absmax mapped to the format's
// largest value: 127, 448, 57344), so they hold a little over half of bf16's bytes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../runtime/aligned-buffer.h"
#include "model-spec.h"

namespace bitbench {

size_t kvElementBytes(KvDtype dtype);
inline bool kvHasScales(KvDtype dtype) { return dtype != KvDtype::kBf16; }
const char* kvDtypeName(KvDtype dtype);

// One kv head of one layer and sequence, from position 0: what attention reads. Position p's
// elements start at keys + p * rowBytes; its scale (one-byte formats) at keyScales[p * scaleStride].
// Each head's positions are contiguous (layout layer, sequence, head, position), so attention
// streams them: with positions interleaved across heads, 2B-4T's 640-byte stride defeated the
// hardware prefetcher and attention at 8K waited on DRAM for most of a step.
struct KvHeadView {
  KvDtype dtype;
  const uint8_t* keys;
  const uint8_t* values;
  const float* keyScales;
  const float* valueScales;
  size_t rowBytes;
  size_t scaleStride;
};

class KvCache {
 public:
  KvCache(const ModelDims& dims, KvDtype dtype, size_t sequences, size_t positions);
  static size_t bytesFor(const ModelDims& dims, KvDtype dtype, size_t sequences, size_t positions);
  // Bytes one position of one sequence takes over all layers (keys, values and scales).
  static size_t bytesPerPosition(const ModelDims& dims, KvDtype dtype);

  // Stores the key and value vectors (kvHeads x headDim each) of one position.
  void store(size_t layer, size_t sequence, size_t position, const float* key, const float* value);
  // Reads back one head's key or value at a position as fp32.
  void readKey(size_t layer, size_t sequence, size_t position, size_t head, float* out) const;
  void readValue(size_t layer, size_t sequence, size_t position, size_t head, float* out) const;

  KvHeadView head(size_t layer, size_t sequence, size_t head) const;

  // Bytes read to attend over `positions` positions of one sequence in one layer.
  size_t bytesPerLayerRead(size_t positions) const;
  KvDtype dtype() const { return dtype_; }
  size_t positions() const { return positions_; }

 private:
  // Index of one head's vector (in units of headDim elements) and of its scale.
  size_t slot(size_t layer, size_t sequence, size_t head, size_t position) const {
    return ((layer * sequences_ + sequence) * dims_.kvHeads + head) * positions_ + position;
  }
  void storeVector(AlignedBuffer& data, AlignedBuffer& scales, size_t layer, size_t sequence, size_t position,
                   const float* values);
  void readVector(const AlignedBuffer& data, const AlignedBuffer& scales, size_t slotIndex, float* out) const;

  ModelDims dims_;
  KvDtype dtype_;
  size_t sequences_;
  size_t positions_;
  size_t width_;  // kvHeads * headDim
  AlignedBuffer keys_, values_, keyScales_, valueScales_;
};

}  // namespace bitbench
