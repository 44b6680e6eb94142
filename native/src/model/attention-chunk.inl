// Included once per ISA translation unit (see attention-kernels.h), in an anonymous namespace.
// Fixed-width lane arrays let the compiler vectorize dot products without reassociating a
// single running sum (which it may not do without -ffast-math). No standard-library templates
// here: their out-of-line copies are weak symbols, and the linker could hand the AVX-512
// build's copy to code running on a CPU without it.
#include <cstdint>
#include <cstring>
#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "attention-kernels.h"

namespace {

using bitbench::AttentionChunk;
using bitbench::KvDtype;

// GCC vector extensions, one native vector wide: a zmm in the AVX-512 build, a ymm in AVX2's,
// an xmm (SSE2 or NEON) in the baseline's. Explicit, because the auto-vectorizer versioned
// these loops on a pointer-overlap test and ran them scalar in the model (2B-4T at 8K: 70% of
// a step in the scalar fallback). One vector wide, because wider than the target's registers
// GCC kept arrays of them in memory and moved their halves through general registers
// (vmovq/vpinsrq): with 16 lanes in every build the AVX2 build's attention ran 5.5x as long as
// AVX-512's (2B-4T at 4K context, Sapphire Rapids class, 2 threads: 175 against 31.7 ms a step).
#if defined(__AVX512F__)
constexpr size_t kLanes = 16;
#elif defined(__AVX__)
constexpr size_t kLanes = 8;
#else
constexpr size_t kLanes = 4;
#endif
typedef float Lanes __attribute__((vector_size(kLanes * sizeof(float))));
// Lanes values never cross a call boundary that another build sees (everything here is
// internal and inlined), so the psABI note about passing them is moot.
#pragma GCC diagnostic ignored "-Wpsabi"

inline Lanes loadLanes(const float* p) {
  Lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void storeLanes(float* p, Lanes v) { std::memcpy(p, &v, sizeof v); }

// One fp8 code as fp32: the magnitude bits moved into a float's and rescaled by the exponent
// bias difference (exact, subnormals included), NaN (and E5M2's infinities) by their codes.
template <KvDtype D>
inline float fp8Scalar(uint32_t code) {
  if constexpr (D == KvDtype::kFp8E4M3) {
    const uint32_t magnitude = (code & 0x7f) << 20;
    uint32_t bits = __builtin_bit_cast(uint32_t, __builtin_bit_cast(float, magnitude) * 0x1p120f);
    bits = (code & 0x7f) == 0x7f ? 0x7fc00000u : bits;
    return __builtin_bit_cast(float, bits | ((code & 0x80) << 24));
  } else {
    const uint32_t magnitude = (code & 0x7f) << 21;
    uint32_t bits = __builtin_bit_cast(uint32_t, __builtin_bit_cast(float, magnitude) * 0x1p112f);
    bits = (code & 0x7c) == 0x7c ? (0x7f800000u | ((code & 3) << 21)) : bits;
    return __builtin_bit_cast(float, bits | ((code & 0x80) << 24));
  }
}

// The same on a vector of codes, widened by intrinsics where there are any. Written per
// element, GCC 12 kept the AVX2 and SSE2 builds' loop scalar, and it did again through
// __builtin_convertvector from eight bytes: attention over an fp8 cache ran 7-9x as long as
// over bf16 (2B-4T at 4K context, AVX2-only Zen 4, 2 threads: E4M3 118 ms a step, E5M2 150,
// bf16 17), then 26-28 and 35-36 ms; the SSE2 build at 2K, E4M3 68 -> 53 ms.
typedef uint32_t UintLanes __attribute__((vector_size(kLanes * sizeof(uint32_t))));
template <KvDtype D>
inline Lanes fp8Lanes(const uint8_t* in) {
  UintLanes code;
#if defined(__AVX512F__)
  code = reinterpret_cast<UintLanes>(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in))));
#elif defined(__AVX2__)
  code = reinterpret_cast<UintLanes>(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(in))));
#else
  for (size_t l = 0; l < kLanes; ++l) code[l] = in[l];
#endif
  const UintLanes sign = (code & 0x80) << 24;
  UintLanes bits;
  if constexpr (D == KvDtype::kFp8E4M3) {
    const UintLanes magnitude = (code & 0x7f) << 20;
    bits = reinterpret_cast<UintLanes>(reinterpret_cast<Lanes>(magnitude) * 0x1p120f);
    bits = (code & 0x7f) == 0x7f ? UintLanes{} + 0x7fc00000u : bits;
  } else {
    const UintLanes magnitude = (code & 0x7f) << 21;
    bits = reinterpret_cast<UintLanes>(reinterpret_cast<Lanes>(magnitude) * 0x1p112f);
    bits = (code & 0x7c) == 0x7c ? (0x7f800000u | ((code & 3) << 21)) : bits;
  }
  return reinterpret_cast<Lanes>(bits | sign);
}

// Cached elements of one position and head as fp32 (the scale is applied by the caller).
template <KvDtype D>
inline void decodeRow(const uint8_t* in, size_t count, float* out) {
  if constexpr (D == KvDtype::kBf16) {
    uint16_t halves[kLanes];
    size_t i = 0;
    for (; i + kLanes <= count; i += kLanes) {
      std::memcpy(halves, in + 2 * i, sizeof halves);
      for (size_t l = 0; l < kLanes; ++l) out[i + l] = __builtin_bit_cast(float, static_cast<uint32_t>(halves[l]) << 16);
    }
    for (; i < count; ++i) {
      uint16_t half;
      std::memcpy(&half, in + 2 * i, sizeof half);
      out[i] = __builtin_bit_cast(float, static_cast<uint32_t>(half) << 16);
    }
  } else if constexpr (D == KvDtype::kInt8) {
    for (size_t i = 0; i < count; ++i) out[i] = static_cast<float>(static_cast<int8_t>(in[i]));
  } else if constexpr (D == KvDtype::kFp8E4M3 || D == KvDtype::kFp8E5M2) {
    size_t i = 0;
    for (; i + kLanes <= count; i += kLanes) storeLanes(out + i, fp8Lanes<D>(in + i));
    for (; i < count; ++i) out[i] = fp8Scalar<D>(in[i]);
  }
}

// The lanes' sum as a tree of folds, each adding the upper half to the lower: a chain of
// scalar adds (what a loop over the lanes compiles to) cost four times the latency, once per
// head and position.
typedef float Lanes16 __attribute__((vector_size(16 * sizeof(float))));
typedef float Lanes8 __attribute__((vector_size(8 * sizeof(float))));
typedef float Lanes4 __attribute__((vector_size(4 * sizeof(float))));
// Halves by __builtin_shufflevector (GCC 12, clang): through memcpy, the accumulators whose
// sums these are lived in memory, loaded and stored at every step of their loops.
inline Lanes8 foldHalves(Lanes16 v) {
  return __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
}
inline Lanes4 foldHalves(Lanes8 v) { return __builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7); }
inline float hsum(Lanes4 v) { return (v[0] + v[2]) + (v[1] + v[3]); }
inline float hsum(Lanes8 v) { return hsum(foldHalves(v)); }
inline float hsum(Lanes16 v) { return hsum(foldHalves(v)); }

// Two accumulators: a 128-element dot is then two chains of four FMAs, not one of eight.
inline float dot(const float* a, const float* b, size_t count) {
  Lanes even = {}, odd = {};
  size_t i = 0;
  for (; i + 2 * kLanes <= count; i += 2 * kLanes) {
    even += loadLanes(a + i) * loadLanes(b + i);
    odd += loadLanes(a + i + kLanes) * loadLanes(b + i + kLanes);
  }
  for (; i + kLanes <= count; i += kLanes) even += loadLanes(a + i) * loadLanes(b + i);
  float sum = 0;
  for (; i < count; ++i) sum += a[i] * b[i];
  return sum + hsum(even + odd);
}

// o += p * x
inline void addScaled(float* o, const float* x, float p, size_t count) {
  size_t i = 0;
  for (; i + kLanes <= count; i += kLanes) storeLanes(o + i, loadLanes(o + i) + p * loadLanes(x + i));
  for (; i < count; ++i) o[i] += p * x[i];
}

// exp(x) for x <= 0 (scores minus their maximum), Cephes' expf polynomial: a few ulp, and
// unlike std::exp it vectorizes. Below -87 it returns about 1e-38 instead of a denormal.
inline float expNonPositive(float x) {
  x = x > -87.0f ? x : -87.0f;
  const float shifter = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const float n = (x * 1.44269504088896341f + shifter) - shifter;
  const float r = x - n * 0.693359375f - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * r * r + r + 1.0f;
  const uint32_t exponent = static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23;
  return y * __builtin_bit_cast(float, exponent);
}

// expNonPositive on a vector, the same arithmetic lane by lane. Written over lane arrays, the
// softmax loop stayed scalar (GCC 12 vectorized neither the float-to-int conversion nor the
// bit casts): a fifth of attention's samples on an AVX2-only Zen 4 at 4K context.
typedef int32_t IntLanes __attribute__((vector_size(kLanes * sizeof(int32_t))));
inline Lanes expNonPositive(Lanes x) {
  const Lanes floor = Lanes{} - 87.0f;
  x = x > floor ? x : floor;
  const Lanes shifter = Lanes{} + 12582912.0f;
  const Lanes n = (x * 1.44269504088896341f + shifter) - shifter;
  const Lanes r = x - n * 0.693359375f - n * -2.12194440e-4f;
  Lanes p = Lanes{} + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const Lanes y = p * r * r + r + 1.0f;
  const IntLanes exponent = (__builtin_convertvector(n, IntLanes) + 127) << 23;
  return y * __builtin_bit_cast(Lanes, exponent);
}

// A head's cached rows lie back to back, read one after the other: each row asks for the
// row this far on (a hint: past the run's end it reads nothing that matters). The hardware
// prefetcher alone kept one stream per thread waiting on DRAM: 2B-4T at 4K context, Sapphire
// Rapids class, 2 threads, attention a step, keys asked for 1, 2, 4 and 8 KiB ahead: 21.1-21.6,
// 20.8-21.9, 22.2-22.6, 23.0-23.1 ms against 24.5-25.0 without.
constexpr size_t kRowsAheadBytes = 2048;
inline void prefetchAhead(const uint8_t* row, size_t rowBytes) {
  for (size_t line = 0; line < rowBytes; line += 64) __builtin_prefetch(row + kRowsAheadBytes + line, 0, 3);
}

// The value sums of head dims that are whole multiples of kValueLanes lanes: a block of
// positions is decoded once into L1, then each head sums it with its output slice in
// registers. Summing position by position into c.out instead stored and reloaded every output
// vector once per position and head (2B-4T at 8K context: a third of attention's time).
constexpr size_t kValueRegisters = 8;
constexpr size_t kValueLanes = kValueRegisters * kLanes;
constexpr size_t kValueBlock = 16;
constexpr size_t kMaxBlockedHeadDim = 256;

template <KvDtype D, bool Masked>
void valueSumsBlocked(const AttentionChunk& c) {
  constexpr bool kScaled = D != KvDtype::kBf16;
  const size_t d = c.headDim;
  alignas(64) float block[kValueBlock * kMaxBlockedHeadDim];
  float scales[kValueBlock];
  for (size_t j0 = 0; j0 < c.count; j0 += kValueBlock) {
    const size_t rows = c.count - j0 < kValueBlock ? c.count - j0 : kValueBlock;
    for (size_t r = 0; r < rows; ++r) {
      const size_t j = j0 + r;
      if constexpr (Masked) {
        // A row no head keeps is not read (every head's weight for it is exactly zero); it
        // sums as zeros, so the loop below needs no branch on weights kept at random.
        bool any = false;
        for (size_t g = 0; g < c.group; ++g) any |= c.scores[g * c.count + j] != 0.0f;
        if (!any) {
          for (size_t i = 0; i < d; ++i) block[r * d + i] = 0.0f;
          scales[r] = 0.0f;
          continue;
        }
      }
      prefetchAhead(c.values + j * c.rowBytes, c.rowBytes);
      decodeRow<D>(c.values + j * c.rowBytes, d, block + r * d);
      scales[r] = kScaled ? c.valueScales[j * c.scaleStride] : 1.0f;
    }
    for (size_t g = 0; g < c.group; ++g) {
      const float* weights = c.scores + g * c.count + j0;
      for (size_t i0 = 0; i0 < d; i0 += kValueLanes) {
        float* out = c.out + g * d + i0;
        Lanes acc[kValueRegisters];
        for (size_t k = 0; k < kValueRegisters; ++k) acc[k] = loadLanes(out + k * kLanes);
        for (size_t r = 0; r < rows; ++r) {
          const float p = kScaled ? weights[r] * scales[r] : weights[r];
          const float* v = block + r * d + i0;
          for (size_t k = 0; k < kValueRegisters; ++k) acc[k] += p * loadLanes(v + k * kLanes);
        }
        for (size_t k = 0; k < kValueRegisters; ++k) storeLanes(out + k * kLanes, acc[k]);
      }
    }
  }
}

// Whether keyLanes widens format D in registers from the cache itself (so groupScores skips
// decoding the row into L1 and loading it back): bf16 everywhere, the one-byte formats where
// intrinsics widen their bytes (the generic widening, __builtin_convertvector, GCC 12
// scalarised, and the scores ran 2.4x as long on AVX-512). 2B-4T at 4K context, AVX2-only
// Zen 4, alternating step by step: attention 1.12-1.14x faster with int8, 1.09x with E4M3.
template <KvDtype D>
constexpr bool kKeysInRegisters =
    D == KvDtype::kBf16 ||
#if defined(__AVX2__) || defined(__AVX512F__)
    true;
#else
    false;
#endif

// int8 codes i..i+kLanes as fp32.
inline Lanes int8Lanes(const uint8_t* in) {
#if defined(__AVX512F__)
  return reinterpret_cast<Lanes>(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in)))));
#elif defined(__AVX2__)
  return reinterpret_cast<Lanes>(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(in)))));
#else
  Lanes v;
  for (size_t l = 0; l < kLanes; ++l) v[l] = static_cast<float>(static_cast<int8_t>(in[l]));
  return v;
#endif
}

// Lanes i..i+kLanes of a cached key: widened in registers from the cache itself where
// kKeysInRegisters, else from its row decoded into L1.
template <KvDtype D>
inline void keyLanes(const uint8_t* raw, const float* row, size_t i, Lanes& v) {
  if constexpr (D == KvDtype::kInt8 && kKeysInRegisters<D>) {
    v = int8Lanes(raw + i);
  } else if constexpr (D != KvDtype::kBf16 && kKeysInRegisters<D>) {
    v = fp8Lanes<D>(raw + i);
  } else if constexpr (D == KvDtype::kBf16) {
    uint16_t halves[kLanes];
    std::memcpy(halves, raw + 2 * i, sizeof halves);
    for (size_t l = 0; l < kLanes; ++l) v[l] = __builtin_bit_cast(float, static_cast<uint32_t>(halves[l]) << 16);
  } else {
    v = loadLanes(row + i);
  }
}

// Scores of a group of G query heads (head dims a multiple of kLanes): each key vector is
// loaded once for all G heads, G independent FMA chains. Per head and position, one dot then
// a store of the key row and its reload cost twice as much (2B-4T at 8K context).
template <KvDtype D, size_t G>
void groupScores(const AttentionChunk& c) {
  constexpr bool kScaled = D != KvDtype::kBf16;
  const size_t d = c.headDim;
  size_t j = 0;
  // Two positions at a time: each head's chain of FMAs over one row is as long as the row has
  // vectors, and with G chains the FMA latency, not the units, set the pace; two rows give
  // 2G chains and load each query vector once for both.
  if (d <= kMaxBlockedHeadDim) {
    alignas(64) float rows[2 * kMaxBlockedHeadDim];
    for (; j + 2 <= c.count; j += 2) {
      const uint8_t* raw0 = c.keys + j * c.rowBytes;
      const uint8_t* raw1 = raw0 + c.rowBytes;
      prefetchAhead(raw0, c.rowBytes);
      prefetchAhead(raw1, c.rowBytes);
      if constexpr (!kKeysInRegisters<D>) {
        decodeRow<D>(raw0, d, rows);
        decodeRow<D>(raw1, d, rows + d);
      }
      Lanes acc0[G] = {}, acc1[G] = {};
      for (size_t i = 0; i < d; i += kLanes) {
        Lanes k0, k1;
        keyLanes<D>(raw0, rows, i, k0);
        keyLanes<D>(raw1, rows + d, i, k1);
#pragma GCC unroll 8
        for (size_t g = 0; g < G; ++g) {
          const Lanes q = loadLanes(c.q + g * d + i);
          acc0[g] += q * k0;
          acc1[g] += q * k1;
        }
      }
      const float scale0 = kScaled ? c.scoreScale * c.keyScales[j * c.scaleStride] : c.scoreScale;
      const float scale1 = kScaled ? c.scoreScale * c.keyScales[(j + 1) * c.scaleStride] : c.scoreScale;
#pragma GCC unroll 8
      for (size_t g = 0; g < G; ++g) {
        c.scores[g * c.count + j] = hsum(acc0[g]) * scale0;
        c.scores[g * c.count + j + 1] = hsum(acc1[g]) * scale1;
      }
    }
  }
  for (; j < c.count; ++j) {
    const uint8_t* raw = c.keys + j * c.rowBytes;
    prefetchAhead(raw, c.rowBytes);
    if constexpr (!kKeysInRegisters<D>) decodeRow<D>(raw, d, c.row);
    // Unrolled over the heads: as loops, GCC 12 kept acc in memory, loaded and stored every
    // accumulator once per step, and the chains waited on store forwarding.
    Lanes acc[G] = {};
    for (size_t i = 0; i < d; i += kLanes) {
      Lanes k;
      keyLanes<D>(raw, c.row, i, k);
#pragma GCC unroll 8
      for (size_t g = 0; g < G; ++g) acc[g] += loadLanes(c.q + g * d + i) * k;
    }
    const float scale = kScaled ? c.scoreScale * c.keyScales[j * c.scaleStride] : c.scoreScale;
#pragma GCC unroll 8
    for (size_t g = 0; g < G; ++g) c.scores[g * c.count + j] = hsum(acc[g]) * scale;
  }
}

template <KvDtype D>
void scores(const AttentionChunk& c) {
  constexpr bool kScaled = D != KvDtype::kBf16;
  const size_t d = c.headDim;
  if (d % kLanes == 0) {
    switch (c.group) {
      case 1: return groupScores<D, 1>(c);
      case 2: return groupScores<D, 2>(c);
      case 4: return groupScores<D, 4>(c);
      case 8: return groupScores<D, 8>(c);
      default: break;
    }
  }
  // Each key decoded once for the whole query group.
  for (size_t j = 0; j < c.count; ++j) {
    decodeRow<D>(c.keys + j * c.rowBytes, d, c.row);
    const float scale = kScaled ? c.scoreScale * c.keyScales[j * c.scaleStride] : c.scoreScale;
    for (size_t g = 0; g < c.group; ++g) c.scores[g * c.count + j] = dot(c.q + g * d, c.row, d) * scale;
  }
}

// The largest of count >= 1 scores, lane by lane and then across the lanes: as one running
// maximum the loop stays scalar (no reassociation without -ffast-math), a compare's latency
// per score.
inline float maxOf(const float* s, size_t count) {
  float top = s[0];
  size_t j = 0;
  if (count >= kLanes) {
    Lanes lanes = loadLanes(s);
    for (j = kLanes; j + kLanes <= count; j += kLanes) {
      const Lanes v = loadLanes(s + j);
      lanes = v > lanes ? v : lanes;
    }
    for (size_t l = 0; l < kLanes; ++l) top = lanes[l] > top ? lanes[l] : top;
  }
  for (; j < count; ++j) top = s[j] > top ? s[j] : top;
  return top;
}

template <KvDtype D, bool Masked = false>
void attendChunk(const AttentionChunk& c) {
  constexpr bool kScaled = D != KvDtype::kBf16;
  const size_t d = c.headDim;
  scores<D>(c);
  if constexpr (Masked) {
    size_t kept = 0;
    for (size_t g = 0; g < c.group; ++g) kept += bitbench::selectScores(*c.select, c.scores + g * c.count, c.count, c.selectScratch);
    *c.kept += kept;
  }
  for (size_t g = 0; g < c.group; ++g) {
    float* s = c.scores + g * c.count;
    const float top = maxOf(s, c.count);
    Lanes sumLanes = {};
    size_t j = 0;
    for (; j + kLanes <= c.count; j += kLanes) {
      const Lanes v = loadLanes(s + j);
      Lanes e = expNonPositive(v - top);
      // A dropped score is -infinity: its weight is exactly zero (expNonPositive would give 1e-38).
      if constexpr (Masked) e = v == Lanes{} - __builtin_inff() ? Lanes{} : e;
      storeLanes(s + j, e);
      sumLanes += e;
    }
    float sum = 0;
    for (; j < c.count; ++j) sum += (s[j] = Masked && s[j] == -__builtin_inff() ? 0.0f : expNonPositive(s[j] - top));
    for (size_t l = 0; l < kLanes; ++l) sum += sumLanes[l];
    c.maxes[g] = top;
    c.sums[g] = sum;
    for (size_t i = 0; i < d; ++i) c.out[g * d + i] = 0.0f;
  }
  if (d % kValueLanes == 0 && d <= kMaxBlockedHeadDim) return valueSumsBlocked<D, Masked>(c);
  for (size_t j = 0; j < c.count; ++j) {
    if constexpr (Masked) {
      bool any = false;
      for (size_t g = 0; g < c.group; ++g) any |= c.scores[g * c.count + j] != 0.0f;
      if (!any) continue;
    }
    decodeRow<D>(c.values + j * c.rowBytes, d, c.row);
    const float scale = kScaled ? c.valueScales[j * c.scaleStride] : 1.0f;
    for (size_t g = 0; g < c.group; ++g) addScaled(c.out + g * d, c.row, c.scores[g * c.count + j] * scale, d);
  }
}

}  // namespace
