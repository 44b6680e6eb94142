// AVX512_BF16 dot products for the cached-bf16 path: vdpbf16ps multiplies pairs of bf16
// weights and activations and accumulates in fp32. Compiled with -mavx512bf16; reached only
// when the CPU reports AVX512_BF16.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "../kernel-table.h"
#include "../isa-tables.h"

namespace bitbench {
namespace {

constexpr size_t kPairsPerVector = 32;  // bf16 values per 512-bit register

__m512bh loadBf16Vector(const uint16_t* p) {
  return (__m512bh)_mm512_loadu_si512(p);
}

template <size_t RB, size_t BB>
void dotBlock(const uint16_t* w, size_t kStride, const uint16_t* xb, const KernelCall& c,
              size_t row0, size_t b0) {
  __m512 acc[RB][BB];
  for (size_t r = 0; r < RB; ++r)
    for (size_t b = 0; b < BB; ++b) acc[r][b] = _mm512_setzero_ps();
  // kStride and the activation stride are multiples of 32 with zero padding.
  const size_t kVec = (c.k + kPairsPerVector - 1) / kPairsPerVector * kPairsPerVector;
  for (size_t j = 0; j < kVec; j += kPairsPerVector) {
    __m512bh xv[BB];
    for (size_t b = 0; b < BB; ++b) xv[b] = loadBf16Vector(xb + (b0 + b) * c.xStride + j);
    for (size_t r = 0; r < RB; ++r) {
      const __m512bh wv = loadBf16Vector(w + (row0 + r) * kStride + j);
      for (size_t b = 0; b < BB; ++b) acc[r][b] = _mm512_dpbf16_ps(acc[r][b], wv, xv[b]);
    }
  }
  for (size_t r = 0; r < RB; ++r)
    for (size_t b = 0; b < BB; ++b)
      c.y[(b0 + b) * c.n + row0 + r] = _mm512_reduce_add_ps(acc[r][b]) * c.scale;
}

template <size_t RB>
void dotRowBlock(const uint16_t* w, size_t kStride, const uint16_t* xb, const KernelCall& c,
                 size_t row0) {
  size_t b0 = 0;
  for (; b0 + 4 <= c.batch; b0 += 4) dotBlock<RB, 4>(w, kStride, xb, c, row0, b0);
  switch (c.batch - b0) {
    case 3: dotBlock<RB, 3>(w, kStride, xb, c, row0, b0); break;
    case 2: dotBlock<RB, 2>(w, kStride, xb, c, row0, b0); break;
    case 1: dotBlock<RB, 1>(w, kStride, xb, c, row0, b0); break;
    default: break;
  }
}

}  // namespace

const char* const kAvx512Bf16DotKernelName = "avx512_bf16 vdpbf16ps (bf16 x bf16 -> fp32)";

void avx512Bf16DotRows(const uint16_t* w, size_t kStride, const uint16_t* xb, const KernelCall& c) {
  size_t row = c.rowBegin;
  for (; row + 4 <= c.rowEnd; row += 4) dotRowBlock<4>(w, kStride, xb, c, row);
  for (; row < c.rowEnd; ++row) dotRowBlock<1>(w, kStride, xb, c, row);
}

}  // namespace bitbench
