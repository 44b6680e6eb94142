// The kernel tables each ISA translation unit defines. Only dispatch (implementations.cc)
// may call these, and only after checking that the CPU and OS support the ISA.
#pragma once
#include "i8-kernel-table.h"
#include "kernel-table.h"

namespace bitbench {

const KernelTable& scalarTable();
const I8KernelTable& scalarI8Table();
#if defined(BITBENCH_HAVE_X86_KERNELS)
const KernelTable& avx2Table();
// avx2Table with the sign-bit fused kernels in place of the vpermps lookups (same dense rows).
const KernelTable& avx2SignBitsTable();
const KernelTable& avx512Table();
const I8KernelTable& avx2I8Table();
const I8KernelTable& avx512I8Table();
const I8KernelTable& avx512VnniI8Table();
// The same tables without the batch-1 and sparse kernels' software prefetch (Zen 4, Zen 5:
// dispatch/cpu-features.h).
const I8KernelTable& avx2I8HardwarePrefetchTable();
const I8KernelTable& avx512I8HardwarePrefetchTable();
const I8KernelTable& avx512VnniI8HardwarePrefetchTable();
// The AVX-512 VNNI tables with batch 1's code planes unpacked by gf2p8affineqb: CPUs with GFNI.
const I8KernelTable& avx512VnniGfniI8Table();
const I8KernelTable& avx512VnniGfniI8HardwarePrefetchTable();
// The AVX-512 VNNI tables with batch 1's code planes masked into four scaled sums (Zen 4).
const I8KernelTable& avx512VnniScaledI8Table();
const I8KernelTable& avx512VnniScaledI8HardwarePrefetchTable();
const I8KernelTable& avxVnniI8Table();
const I8KernelTable& avxVnniI8HardwarePrefetchTable();
// Tile data must be granted first (dispatch/amx-permission.h). Batch 1 runs
// avx512VnniI8Table's kernels, and in the Gfni table avx512VnniGfniI8Table's.
const I8KernelTable& amxInt8Table();
const I8KernelTable& amxInt8GfniTable();
// AVX512_BF16 dot products (vdpbf16ps); the AVX-512 table's bf16 entry where supported.
extern const char* const kAvx512Bf16DotKernelName;
void avx512Bf16DotRows(const uint16_t* weights, size_t kStride, const uint16_t* xBf16,
                       const KernelCall& call);
#endif
#if defined(BITBENCH_HAVE_NEON_KERNELS)
const KernelTable& neonTable();
const I8KernelTable& neonI8Table();
// Compiled with +dotprod: call only where HWCAP_ASIMDDP is set.
const I8KernelTable& neonDotprodI8Table();
#endif

}  // namespace bitbench
