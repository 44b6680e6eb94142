// The AVX-512 VNNI fused-i8 tables whose code planes are unpacked by shifts and masks: every
// AVX-512 VNNI CPU (Cascade Lake has no GFNI). The kernels: avx512-vnni-i8.inl.
#define BITBENCH_GFNI_PLANES 0
#define BITBENCH_SCALED_PLANES 0
#include "avx512-vnni-i8.inl"

namespace bitbench {

const I8KernelTable& avx512VnniI8Table() { return kTable; }
const I8KernelTable& avx512VnniI8HardwarePrefetchTable() { return kHardwarePrefetchTable; }

}  // namespace bitbench
