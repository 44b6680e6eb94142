// FP8 conversions for the KV cache: E4M3 as OCP FP8 (bias 7, max 448, no infinity, NaN
// S.1111.111) and E5M2 (bias 15, max 57344, infinity and NaN as IEEE). Encoding rounds to
// nearest even and saturates: a finite value (or an infinity) beyond the largest finite one
// becomes that one, because the cache stores scaled values, where an overflow is a rounding
// step past the scale's target and never a real infinity. NaN encodes as 0x7f (sign kept).
// Written branch-free on the fp32 bits, so loops over them vectorize.
#pragma once
#include <bit>
#include <cstddef>
#include <cstdint>

namespace bitbench {

enum class Fp8Format { kE4M3, kE5M2 };

constexpr float kE4M3Max = 448.0f;
constexpr float kE5M2Max = 57344.0f;

inline float fp8Max(Fp8Format format) { return format == Fp8Format::kE4M3 ? kE4M3Max : kE5M2Max; }

namespace fp8_detail {
// M mantissa bits, bias B; maxBits: the fp32 bits of the largest finite value.
template <int M, int B>
inline uint8_t encode(float value, uint32_t maxBits) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint32_t sign = (bits >> 24) & 0x80u;
  uint32_t magnitude = bits & 0x7fffffffu;
  const bool nan = magnitude > 0x7f800000u;
  magnitude = magnitude > maxBits ? maxBits : magnitude;  // saturate (infinity too)
  // Below the smallest normal (2^(1-B)): the magic add leaves round-to-nearest-even of
  // |x| / 2^(1-B-M), the subnormal code, in the low mantissa bits (fp32 spacing there is
  // exactly one subnormal step).
  const float magic = std::bit_cast<float>(static_cast<uint32_t>(127 + 23 - M - (B - 1)) << 23);
  const uint32_t subnormal = std::bit_cast<uint32_t>(std::bit_cast<float>(magnitude) + magic) -
                             std::bit_cast<uint32_t>(magic);
  // Normal: round the mantissa to M bits, nearest even, then rebias the exponent.
  constexpr int drop = 23 - M;
  const uint32_t rounded = magnitude + ((1u << (drop - 1)) - 1) + ((magnitude >> drop) & 1u);
  const uint32_t normal = (rounded >> drop) - (static_cast<uint32_t>(127 - B) << M);
  const bool isSubnormal = magnitude < (static_cast<uint32_t>(127 + 1 - B) << 23);
  const uint32_t code = nan ? 0x7fu : (isSubnormal ? subnormal : normal);
  return static_cast<uint8_t>(sign | code);
}
}  // namespace fp8_detail

inline uint8_t encodeE4M3(float value) {
  return fp8_detail::encode<3, 7>(value, std::bit_cast<uint32_t>(kE4M3Max));
}
inline uint8_t encodeE5M2(float value) {
  return fp8_detail::encode<2, 15>(value, std::bit_cast<uint32_t>(kE5M2Max));
}

// Exact decoding: the code's exponent and mantissa bits placed at the bottom of an fp32
// exponent field, then one multiply by 2^(127 - bias) rebiases normals and subnormals alike.
inline float decodeE4M3(uint8_t code) {
  const uint32_t magnitude = static_cast<uint32_t>(code & 0x7f) << 20;
  uint32_t bits = std::bit_cast<uint32_t>(std::bit_cast<float>(magnitude) * 0x1p120f);
  bits = (code & 0x7f) == 0x7f ? 0x7fc00000u : bits;
  return std::bit_cast<float>(bits | (static_cast<uint32_t>(code & 0x80) << 24));
}
inline float decodeE5M2(uint8_t code) {
  const uint32_t magnitude = static_cast<uint32_t>(code & 0x7f) << 21;
  uint32_t bits = std::bit_cast<uint32_t>(std::bit_cast<float>(magnitude) * 0x1p112f);
  // Exponent 31: infinity (mantissa 0) or NaN, as IEEE.
  bits = (code & 0x7c) == 0x7c ? (0x7f800000u | (static_cast<uint32_t>(code & 3) << 21)) : bits;
  return std::bit_cast<float>(bits | (static_cast<uint32_t>(code & 0x80) << 24));
}

// Whole arrays (what tests call through the binding; the cache encodes per head).
void encodeFp8(Fp8Format format, const float* in, size_t count, float multiplier, uint8_t* out);
void decodeFp8(Fp8Format format, const uint8_t* in, size_t count, float* out);

}  // namespace bitbench
