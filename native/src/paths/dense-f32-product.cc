#include "../blas/blas.h"
#include "paths.h"

namespace bitbench {

DenseF32Product denseF32Product(const KernelTable& table, bool useBlas) {
  return {&table, useBlas && blasAvailable()};
}

void DenseF32Product::run(const float* weights, size_t kStride, const KernelCall& call) const {
  if (blas) blasDenseRows(weights, kStride, call);
  else table->denseF32Run(weights, kStride, call);
}

std::string DenseF32Product::name() const {
  return blas ? blasDescription() : std::string(table->denseF32KernelName);
}

}  // namespace bitbench
