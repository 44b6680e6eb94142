#include "blas.h"

#include <mutex>

#if defined(BITBENCH_HAVE_OPENBLAS)
#include <cblas.h>
#endif

namespace bitbench {

#if defined(BITBENCH_HAVE_OPENBLAS)

namespace {
void useOneBlasThreadPerCaller() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}
}  // namespace

bool blasAvailable() { return true; }

std::string blasDescription() {
  return std::string(openblas_get_config()) + " (core: " + openblas_get_corename() + ")";
}

void blasDenseRows(const float* w, size_t kStride, const KernelCall& c) {
  useOneBlasThreadPerCaller();
  const size_t rows = c.rowEnd - c.rowBegin;
  if (rows == 0) return;
  const float* block = w + c.rowBegin * kStride;
  if (c.batch == 1) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(rows), static_cast<int>(c.k), c.scale,
                block, static_cast<int>(kStride), c.x, 1, 0.0f, c.y + c.rowBegin, 1);
    return;
  }
  // Y (batch x n) = X (batch x k) * W^T, for this thread's columns of Y.
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(c.batch),
              static_cast<int>(rows), static_cast<int>(c.k), c.scale, c.x,
              static_cast<int>(c.xStride), block, static_cast<int>(kStride), 0.0f,
              c.y + c.rowBegin, static_cast<int>(c.n));
}

#else

bool blasAvailable() { return false; }
std::string blasDescription() { return ""; }
void blasDenseRows(const float*, size_t, const KernelCall&) {}

#endif

}  // namespace bitbench
