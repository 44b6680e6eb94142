// Factories of the concrete paths, one file each.
#pragma once
#include <memory>

#include "compute-path.h"

namespace bitbench {

std::unique_ptr<ComputePath> makeBaselinePath(const PathConfig& config);
std::unique_ptr<ComputePath> makeCachedF32Path(const PathConfig& config);
std::unique_ptr<ComputePath> makeCachedBf16Path(const PathConfig& config);
std::unique_ptr<ComputePath> makeFusedPath(const PathConfig& config);
std::unique_ptr<ComputePath> makeFusedI8Path(const PathConfig& config);

// The dense fp32 product both baseline and cached-f32 end with: BLAS when built in and
// wanted, else the active ISA's builtin loop.
struct DenseF32Product {
  const KernelTable* table;
  bool blas;
  void run(const float* weights, size_t kStride, const KernelCall& call) const;
  std::string name() const;
};
DenseF32Product denseF32Product(const KernelTable& table, bool useBlas);

}  // namespace bitbench
