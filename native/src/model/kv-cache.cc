#include "kv-cache.h"

#include <cmath>
#include <cstring>

#include "../kernels/ternary-layout.h"
#include "fp8.h"

namespace bitbench {

namespace {
float bf16ToFloat(uint16_t bits) {
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof value);
  return value;
}

// The value a head's absmax maps to: the format's largest finite value.
float formatMax(KvDtype dtype) {
  switch (dtype) {
    case KvDtype::kInt8: return 127.0f;
    case KvDtype::kFp8E4M3: return kE4M3Max;
    case KvDtype::kFp8E5M2: return kE5M2Max;
    case KvDtype::kBf16: break;
  }
  return 1.0f;
}
}  // namespace

size_t kvElementBytes(KvDtype dtype) { return dtype == KvDtype::kBf16 ? 2 : 1; }

const char* kvDtypeName(KvDtype dtype) {
  switch (dtype) {
    case KvDtype::kBf16: return "bf16";
    case KvDtype::kInt8: return "int8";
    case KvDtype::kFp8E4M3: return "fp8-e4m3";
    case KvDtype::kFp8E5M2: return "fp8-e5m2";
  }
  return "?";
}

size_t KvCache::bytesPerPosition(const ModelDims& dims, KvDtype dtype) {
  const size_t width = dims.kvHeads * dims.headDim;
  const size_t scales = kvHasScales(dtype) ? 2 * dims.kvHeads * sizeof(float) : 0;
  return dims.layers * (2 * width * kvElementBytes(dtype) + scales);
}

size_t KvCache::bytesFor(const ModelDims& dims, KvDtype dtype, size_t sequences, size_t positions) {
  return sequences * positions * bytesPerPosition(dims, dtype);
}

KvCache::KvCache(const ModelDims& dims, KvDtype dtype, size_t sequences, size_t positions)
    : dims_(dims),
      dtype_(dtype),
      sequences_(sequences),
      positions_(positions),
      width_(dims.kvHeads * dims.headDim) {
  const size_t slots = dims.layers * sequences * positions;
  keys_ = AlignedBuffer(slots * width_ * kvElementBytes(dtype));
  values_ = AlignedBuffer(slots * width_ * kvElementBytes(dtype));
  if (kvHasScales(dtype)) {
    keyScales_ = AlignedBuffer(slots * dims.kvHeads * sizeof(float));
    valueScales_ = AlignedBuffer(slots * dims.kvHeads * sizeof(float));
  }
  // Written once now, as llama.cpp clears its cache when it makes it: left to the first store of
  // each position, the OS's page faults fell inside the timed decode steps, all of a layer's
  // heads' at once every few positions (2B-4T, bf16, 2 threads, Zen 5: a layer's store took
  // 1.1 us at the median, 12-20 us in one call in ten).
  for (AlignedBuffer* buffer : {&keys_, &values_, &keyScales_, &valueScales_})
    if (buffer->bytes() > 0) std::memset(buffer->as<void>(), 0, buffer->bytes());
}

void KvCache::storeVector(AlignedBuffer& data, AlignedBuffer& scales, size_t layer, size_t sequence,
                          size_t position, const float* values) {
  const float top = formatMax(dtype_);
  for (size_t h = 0; h < dims_.kvHeads; ++h) {
    const size_t s = slot(layer, sequence, h, position);
    const float* v = values + h * dims_.headDim;
    if (dtype_ == KvDtype::kBf16) {
      uint16_t* o = data.as<uint16_t>() + s * dims_.headDim;
      for (size_t i = 0; i < dims_.headDim; ++i) o[i] = floatToBf16(v[i]);
      continue;
    }
    // Symmetric, one scale per head: absmax maps to the format's largest value.
    uint8_t* o = data.as<uint8_t>() + s * dims_.headDim;
    float absmax = 0;
    for (size_t i = 0; i < dims_.headDim; ++i) absmax = std::fmax(absmax, std::fabs(v[i]));
    const float scale = absmax > 0 ? absmax / top : 1.0f;
    scales.as<float>()[s] = scale;
    if (dtype_ == KvDtype::kInt8) {
      for (size_t i = 0; i < dims_.headDim; ++i) o[i] = static_cast<uint8_t>(static_cast<int8_t>(std::lrint(v[i] / scale)));
    } else {
      // A multiply, not a divide, per element; a rounding step past the top saturates.
      const float inverse = absmax > 0 ? top / absmax : 1.0f;
      encodeFp8(dtype_ == KvDtype::kFp8E4M3 ? Fp8Format::kE4M3 : Fp8Format::kE5M2, v, dims_.headDim, inverse, o);
    }
  }
}

void KvCache::readVector(const AlignedBuffer& data, const AlignedBuffer& scales, size_t slotIndex, float* out) const {
  const size_t offset = slotIndex * dims_.headDim;
  if (dtype_ == KvDtype::kBf16) {
    const uint16_t* in = data.as<uint16_t>() + offset;
    for (size_t i = 0; i < dims_.headDim; ++i) out[i] = bf16ToFloat(in[i]);
    return;
  }
  const uint8_t* in = data.as<uint8_t>() + offset;
  const float scale = scales.as<float>()[slotIndex];
  if (dtype_ == KvDtype::kInt8) {
    for (size_t i = 0; i < dims_.headDim; ++i) out[i] = scale * static_cast<float>(static_cast<int8_t>(in[i]));
    return;
  }
  decodeFp8(dtype_ == KvDtype::kFp8E4M3 ? Fp8Format::kE4M3 : Fp8Format::kE5M2, in, dims_.headDim, out);
  for (size_t i = 0; i < dims_.headDim; ++i) out[i] *= scale;
}

void KvCache::store(size_t layer, size_t sequence, size_t position, const float* key, const float* value) {
  storeVector(keys_, keyScales_, layer, sequence, position, key);
  storeVector(values_, valueScales_, layer, sequence, position, value);
}

void KvCache::readKey(size_t layer, size_t sequence, size_t position, size_t head, float* out) const {
  readVector(keys_, keyScales_, slot(layer, sequence, head, position), out);
}

void KvCache::readValue(size_t layer, size_t sequence, size_t position, size_t head, float* out) const {
  readVector(values_, valueScales_, slot(layer, sequence, head, position), out);
}

KvHeadView KvCache::head(size_t layer, size_t sequence, size_t head) const {
  const size_t first = slot(layer, sequence, head, 0);
  const size_t elementBytes = kvElementBytes(dtype_);
  const size_t offset = first * dims_.headDim * elementBytes;
  const bool scaled = kvHasScales(dtype_);
  return {dtype_,
          keys_.as<uint8_t>() + offset,
          values_.as<uint8_t>() + offset,
          scaled ? keyScales_.as<float>() + first : nullptr,
          scaled ? valueScales_.as<float>() + first : nullptr,
          dims_.headDim * elementBytes,
          1};
}

size_t KvCache::bytesPerLayerRead(size_t positions) const {
  return positions * (bytesPerPosition(dims_, dtype_) / dims_.layers);
}

}  // namespace bitbench
