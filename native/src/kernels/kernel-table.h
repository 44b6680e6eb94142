// The function table each ISA implementation fills in. Kept to plain C types on purpose:
// ISA translation units are compiled with their own target flags, and sharing inline C++
// library code with them could let the linker pick an AVX-512 copy for generic callers.
#pragma once
#include <cstddef>
#include <cstdint>

namespace bitbench {

// Columns per 32-bit code word of the fused row-tile layout (ternary-layout.h).
constexpr size_t kColumnsPerWord = 16;

// Rows [rowBegin, rowEnd) of y = scale * (W x) for `batch` activation rows.
// x: batch rows of xStride floats (zero-padded past k); y: batch rows of n floats.
struct KernelCall {
  size_t n;
  size_t k;
  const float* x;
  size_t xStride;
  size_t batch;
  float scale;
  float* y;
  size_t rowBegin;
  size_t rowEnd;
};

struct KernelTable {
  // Fused ternary: rows per tile of the repacked layout (see ternary-layout.h). Zero means
  // the implementation reads the public packed format directly.
  size_t fusedRowTile;
  const char* fusedKernelName;
  void (*fusedRun)(const uint8_t* prepared, const KernelCall& call);

  // Dense fp32 weights, rows of kStride floats (zero-padded), used when no BLAS is linked.
  const char* denseF32KernelName;
  void (*denseF32Run)(const float* weights, size_t kStride, const KernelCall& call);

  // Dense bf16 weights, rows of kStride bf16 values. xBf16 holds the activations rounded
  // to bf16 with the same stride as call.x, for kernels with a native bf16 dot product.
  const char* denseBf16KernelName;
  void (*denseBf16Run)(const uint16_t* weights, size_t kStride, const uint16_t* xBf16,
                       const KernelCall& call);
  bool denseBf16ReadsBf16Activations;
};

}  // namespace bitbench
