// What the CPU and the OS let this process use, detected once.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace bitbench {

enum class Feature : int {
  kSse42,
  kAvx,
  kAvx2,
  kFma,
  kF16c,
  kAvx512f,
  kAvx512bw,
  kAvx512vl,
  kAvx512dq,
  kAvx512cd,
  kAvx512vnni,
  kAvx512bf16,
  kAvxVnni,
  kGfni,
  kAmxTile,
  kAmxInt8,
  kAmxBf16,
  kNeon,
  kDotprod,
  kI8mm,
  kSve,
  kSve2,
  kArmBf16,
  kCount
};

const char* featureName(Feature feature);

struct CpuFeatures {
  uint64_t bits = 0;
  bool has(Feature feature) const { return (bits >> static_cast<int>(feature)) & 1; }
  void set(Feature feature) { bits |= uint64_t{1} << static_cast<int>(feature); }
};

// Detected on first use. On x86 a feature counts only if the OS saves its register state
// (XCR0 via xgetbv): CPUID alone would let a kernel SIGILL under an OS or hypervisor that
// has not enabled AVX or AVX-512 state.
const CpuFeatures& cpuFeatures();

// AMD before Zen 4 (Bulldozer to Zen 3): vpermps takes two or more uops on one pipe (on Zen 3
// two cycles each on the pipe the shifts also need), where Intel and Zen 4 issue one per cycle.
// Picks the AVX2 fused kernel (dispatch/implementations.cc).
bool slowCrossLanePermute();

// AMD Zen 4 (family 19h, models 10h-1Fh, 60h-7Fh, A0h-AFh) and Zen 5 (family 1Ah): the fused-i8
// batch-1 streams read cold weights faster on the hardware prefetcher alone than with software
// prefetch ahead of them, where Intel is the other way round. Picks the AVX-512 VNNI,
// AVX-512BW and AVX-VNNI fused-i8 tables.
bool streamsOnHardwarePrefetch();

// The same for the AVX2 fused-i8 table: Zen 5 alone (on Zen 4 its prefetch measured 0.93-1.06x
// by shape, and the AVX2-only AMD CPUs, Zen 2 and 3, read 1.15x faster with it).
bool avx2StreamsOnHardwarePrefetch();

// AMD Zen 4: the AVX-512 VNNI batch-1 kernel masks its code planes into four scaled partial
// sums, one stream of rows (avx512-vnni-i8.inl), hot 1.01-1.10x faster than the shift; and
// though the CPU has GFNI, gf2p8affineqb ran 1.19-1.40x slower than the shift (hot, 2
// threads, the builds alternating in one process: 4096x4096 1.23x, 2560x6912 1.40x, 6912x2560
// 1.19x, 2560x2560 1.21x; cold alike). Picks the AVX-512 VNNI and AMX fused-i8 tables.
bool scaledPlanes();

// Name of the CPU architecture this binary was built for: "x86_64", "aarch64", ...
const char* buildArchitecture();

}  // namespace bitbench
