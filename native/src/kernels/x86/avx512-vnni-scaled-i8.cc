// The AVX-512 VNNI fused-i8 tables whose batch 1 masks every code plane in place, into four
// partial sums of their own scales, one stream of rows (Zen 4: dispatch/cpu-features.h,
// scaledPlanes). The kernels: avx512-vnni-i8.inl.
#define BITBENCH_GFNI_PLANES 0
#define BITBENCH_SCALED_PLANES 1
#include "avx512-vnni-i8.inl"

namespace bitbench {

const I8KernelTable& avx512VnniScaledI8Table() { return kTable; }
const I8KernelTable& avx512VnniScaledI8HardwarePrefetchTable() { return kHardwarePrefetchTable; }

}  // namespace bitbench
