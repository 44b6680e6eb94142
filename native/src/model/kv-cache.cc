#include "kv-cache.h"

#include <cmath>
#include <cstring>

#include "../kernels/ternary-layout.h"

namespace bitbench {

namespace {
size_t elementBytes(KvDtype dtype) { return dtype == KvDtype::kBf16 ? 2 : 1; }

float bf16ToFloat(uint16_t bits) {
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof value);
  return value;
}
}  // namespace

size_t KvCache::bytesFor(const ModelDims& dims, KvDtype dtype, size_t sequences, size_t positions) {
  const size_t slots = dims.layers * sequences * positions;
  const size_t width = dims.kvHeads * dims.headDim;
  const size_t scales = dtype == KvDtype::kInt8 ? 2 * slots * dims.kvHeads * sizeof(float) : 0;
  return 2 * slots * width * elementBytes(dtype) + scales;
}

KvCache::KvCache(const ModelDims& dims, KvDtype dtype, size_t sequences, size_t positions)
    : dims_(dims),
      dtype_(dtype),
      sequences_(sequences),
      positions_(positions),
      width_(dims.kvHeads * dims.headDim) {
  const size_t slots = dims.layers * sequences * positions;
  keys_ = AlignedBuffer(slots * width_ * elementBytes(dtype));
  values_ = AlignedBuffer(slots * width_ * elementBytes(dtype));
  if (dtype == KvDtype::kInt8) {
    keyScales_ = AlignedBuffer(slots * dims.kvHeads * sizeof(float));
    valueScales_ = AlignedBuffer(slots * dims.kvHeads * sizeof(float));
  }
}

void KvCache::storeVector(AlignedBuffer& data, AlignedBuffer& scales, size_t slotIndex, const float* values) {
  if (dtype_ == KvDtype::kBf16) {
    uint16_t* out = data.as<uint16_t>() + slotIndex * width_;
    for (size_t i = 0; i < width_; ++i) out[i] = floatToBf16(values[i]);
    return;
  }
  // int8: symmetric, one scale per head (absmax / 127).
  int8_t* out = data.as<int8_t>() + slotIndex * width_;
  float* headScales = scales.as<float>() + slotIndex * dims_.kvHeads;
  for (size_t h = 0; h < dims_.kvHeads; ++h) {
    const float* v = values + h * dims_.headDim;
    float absmax = 0;
    for (size_t i = 0; i < dims_.headDim; ++i) absmax = std::fmax(absmax, std::fabs(v[i]));
    const float scale = absmax > 0 ? absmax / 127.0f : 1.0f;
    headScales[h] = scale;
    for (size_t i = 0; i < dims_.headDim; ++i)
      out[h * dims_.headDim + i] = static_cast<int8_t>(std::lrint(v[i] / scale));
  }
}

void KvCache::readVector(const AlignedBuffer& data, const AlignedBuffer& scales, size_t slotIndex, size_t head,
                         float* out) const {
  const size_t offset = slotIndex * width_ + head * dims_.headDim;
  if (dtype_ == KvDtype::kBf16) {
    const uint16_t* in = data.as<uint16_t>() + offset;
    for (size_t i = 0; i < dims_.headDim; ++i) out[i] = bf16ToFloat(in[i]);
    return;
  }
  const int8_t* in = data.as<int8_t>() + offset;
  const float scale = scales.as<float>()[slotIndex * dims_.kvHeads + head];
  for (size_t i = 0; i < dims_.headDim; ++i) out[i] = scale * static_cast<float>(in[i]);
}

void KvCache::store(size_t layer, size_t sequence, size_t position, const float* key, const float* value) {
  const size_t s = slot(layer, sequence, position);
  storeVector(keys_, keyScales_, s, key);
  storeVector(values_, valueScales_, s, value);
}

void KvCache::readKey(size_t layer, size_t sequence, size_t position, size_t head, float* out) const {
  readVector(keys_, keyScales_, slot(layer, sequence, position), head, out);
}

void KvCache::readValue(size_t layer, size_t sequence, size_t position, size_t head, float* out) const {
  readVector(values_, valueScales_, slot(layer, sequence, position), head, out);
}

size_t KvCache::bytesPerLayerRead(size_t positions) const {
  const size_t perPosition = 2 * width_ * elementBytes(dtype_) +
                             (dtype_ == KvDtype::kInt8 ? 2 * dims_.kvHeads * sizeof(float) : 0);
  return positions * perPosition;
}

}  // namespace bitbench
