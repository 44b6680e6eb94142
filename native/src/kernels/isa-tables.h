// The kernel tables each ISA translation unit defines. Only dispatch (implementations.cc)
// may call these, and only after checking that the CPU and OS support the ISA.
#pragma once
#include "kernel-table.h"

namespace bitbench {

const KernelTable& scalarTable();
#if defined(BITBENCH_HAVE_X86_KERNELS)
const KernelTable& avx2Table();
const KernelTable& avx512Table();
// AVX512_BF16 dot products (vdpbf16ps); the AVX-512 table's bf16 entry where supported.
extern const char* const kAvx512Bf16DotKernelName;
void avx512Bf16DotRows(const uint16_t* weights, size_t kStride, const uint16_t* xBf16,
                       const KernelCall& call);
#endif
#if defined(BITBENCH_HAVE_NEON_KERNELS)
const KernelTable& neonTable();
#endif

}  // namespace bitbench
