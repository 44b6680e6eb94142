#include "fp8.h"

namespace bitbench {

void encodeFp8(Fp8Format format, const float* in, size_t count, float multiplier, uint8_t* out) {
  if (format == Fp8Format::kE4M3)
    for (size_t i = 0; i < count; ++i) out[i] = encodeE4M3(in[i] * multiplier);
  else
    for (size_t i = 0; i < count; ++i) out[i] = encodeE5M2(in[i] * multiplier);
}

void decodeFp8(Fp8Format format, const uint8_t* in, size_t count, float* out) {
  if (format == Fp8Format::kE4M3)
    for (size_t i = 0; i < count; ++i) out[i] = decodeE4M3(in[i]);
  else
    for (size_t i = 0; i < count; ++i) out[i] = decodeE5M2(in[i]);
}

}  // namespace bitbench
