// The AVX-512 VNNI fused-i8 tables for CPUs that also have GFNI (Ice Lake, Sapphire Rapids,
// Zen 5; Zen 4 runs the scaled unit instead): batch 1 unpacks its code planes with
// gf2p8affineqb. Compiled with GFNI target flags, so dispatch reaches these only where the CPU
// reports GFNI. The kernels: avx512-vnni-i8.inl.
#define BITBENCH_GFNI_PLANES 1
#define BITBENCH_SCALED_PLANES 0
#include "avx512-vnni-i8.inl"

namespace bitbench {

const I8KernelTable& avx512VnniGfniI8Table() { return kTable; }
const I8KernelTable& avx512VnniGfniI8HardwarePrefetchTable() { return kHardwarePrefetchTable; }

}  // namespace bitbench
