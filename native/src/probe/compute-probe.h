// Peak arithmetic rates: the compute ceilings of the roofline a report draws beside the
// memory ceiling. Per ISA implementation, the fp32 FMA rate (what baseline, cached and fused
// paths compute with) and the int8 dot-product rate (what fused-i8 computes with), on T
// threads; and the core clock, read from a timed chain of dependent adds (one cycle each),
// so a test can hold the rates against the ISA's theoretical peak at the clock that ran.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "peak-loops.h"

namespace bitbench {

enum class PeakKind { kFp32, kInt8 };

struct ComputeProbe {
  // The dispatch implementation it belongs to (its name in allImplementations()).
  const char* isa;
  // The instruction each loop is built on, as a report names it.
  const char* fp32Instruction;
  PeakLoop fp32;
  const char* int8Instruction;
  PeakLoop int8;
};

// The probe of this ISA, or null when this build has none (an ISA of another architecture).
const ComputeProbe* computeProbeFor(const char* isa);

// Operations per second, one figure per pass: the sum over threads of each thread's own
// rate (its operations over its own time). Each pass runs about `targetSeconds`, after
// untimed passes that bring the clock (and any AVX-512 frequency licence) to where it stays
// under this load. On a shared machine the best pass is the one least disturbed.
std::vector<double> measurePeak(const ComputeProbe& probe, PeakKind kind, unsigned threads, double targetSeconds,
                                size_t passes);

// Core clock in GHz, one figure per pass: the fastest thread's dependent adds per second while
// `threads` threads run the chain at once. Empty where this architecture has no chain.
std::vector<double> measureClockGHz(unsigned threads, double targetSeconds, size_t passes);

}  // namespace bitbench
