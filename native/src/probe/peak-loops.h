// The loops the compute probe times: per ISA, many independent accumulator chains of the one
// instruction that ISA's kernels spend their arithmetic in, so the loop is held by how many of
// those instructions the core issues per cycle, never by a chain's latency or by memory.
// Each runs `rounds` rounds on registers only and returns the operations it did (a multiply
// and an add count as two, as the kernels' GOPS count them); it writes its accumulators'
// sum to *sink so the compiler cannot drop the work. Each lives in its ISA's translation
// unit, compiled with that ISA's target flags; call only where the CPU supports the ISA.
#pragma once
#include <cstdint>

namespace bitbench {

using PeakLoop = double (*)(uint64_t rounds, float* sink);

// Empty asm that claims to change `value`: the compiler must keep it in a register and
// recompute everything derived from it, so loop-invariant products are not hoisted out.
#if defined(__x86_64__)
#define BITBENCH_LAUNDER(value) __asm__ volatile("" : "+v"(value))
#elif defined(__aarch64__)
#define BITBENCH_LAUNDER(value) __asm__ volatile("" : "+w"(value))
#else
#define BITBENCH_LAUNDER(value) ((void)0)
#endif

double scalarFp32Peak(uint64_t rounds, float* sink);
double scalarInt8Peak(uint64_t rounds, float* sink);

#if defined(BITBENCH_HAVE_X86_KERNELS)
double avx512Fp32Peak(uint64_t rounds, float* sink);
double avx512Int8Peak(uint64_t rounds, float* sink);
double avx512VnniInt8Peak(uint64_t rounds, float* sink);
double avx2Fp32Peak(uint64_t rounds, float* sink);
double avx2Int8Peak(uint64_t rounds, float* sink);
double avxVnniInt8Peak(uint64_t rounds, float* sink);
// Tile data must be granted first (dispatch/amx-permission.h).
double amxInt8Peak(uint64_t rounds, float* sink);
#endif

#if defined(BITBENCH_HAVE_NEON_KERNELS)
double neonFp32Peak(uint64_t rounds, float* sink);
double neonInt8Peak(uint64_t rounds, float* sink);
double neonDotprodInt8Peak(uint64_t rounds, float* sink);
#endif

}  // namespace bitbench
