// The ISA implementations as descriptors: name, required features, kernel table. Dispatch
// picks the best one the CPU supports, or the one the caller names.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "../kernels/i8-kernel-table.h"
#include "../kernels/kernel-table.h"
#include "cpu-features.h"

namespace bitbench {

struct Implementation {
  const char* name;
  std::vector<Feature> required;
  // Whether this binary contains the kernels (x86 kernels are not built for Arm and back).
  bool compiled;
  // Null when not compiled; call only when supported().
  const KernelTable* (*table)(const CpuFeatures&);
  // The fused-i8 kernels (W1.58A8); null when not compiled.
  const I8KernelTable* (*i8Table)(const CpuFeatures&);
  // Where the OS must grant the ISA's state on request (AMX): empty when granted, else why
  // not. Asked only once the CPU has every required feature. Null: nothing to ask.
  const std::string& (*osRefusal)() = nullptr;
};

// Ordered best first.
const std::vector<Implementation>& allImplementations();

// Features of `impl` that the CPU (or OS) lacks, by name, then the OS's refusal where it
// refused; empty when supported.
std::vector<std::string> missingFeatures(const Implementation& impl, const CpuFeatures& cpu);
bool isSupported(const Implementation& impl, const CpuFeatures& cpu);

const Implementation& bestImplementation();

// An ISA that exists but cannot run here. The message names the ISA and what is missing.
class IsaUnsupportedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws std::invalid_argument for an unknown name, IsaUnsupportedError when the build or
// the CPU lacks it.
const Implementation& supportedImplementation(const std::string& name);

}  // namespace bitbench
