// The system BLAS, when the build found one (OpenBLAS). The cached-f32 and baseline paths use
// it for the dense fp32 product, since the comparison is only honest against a strong dense
// kernel; without it they fall back to the builtin SIMD loops of the active ISA.
#pragma once
#include <cstddef>
#include <string>

#include "../kernels/kernel-table.h"

namespace bitbench {

bool blasAvailable();

// e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64 (core: Zen)".
std::string blasDescription();

// Rows [call.rowBegin, call.rowEnd) of y = scale * W x through single-threaded BLAS calls:
// bitbench's own pool splits the rows, so BLAS threads never compete with it.
void blasDenseRows(const float* weights, size_t kStride, const KernelCall& call);

}  // namespace bitbench
