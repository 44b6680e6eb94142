// fused-i8 (W1.58A8, as BitNet b1.58 computes): each call quantizes the activations to int8
// per row (absmax), then the ISA's integer kernel multiplies them by the packed codes,
// repacked once into code planes (i8-layout.h), and rescales each output once.
#include <vector>

#include "../kernels/i8-layout.h"
#include "../kernels/ternary-layout.h"
#include "paths.h"

namespace bitbench {

namespace {

const I8KernelTable& i8TableOf(const PathConfig& config) {
  return *config.implementation->i8Table(cpuFeatures());
}

class FusedI8Path : public ComputePath {
 public:
  explicit FusedI8Path(const PathConfig& config)
      : ComputePath(config, i8ColumnMultiple(i8TableOf(config).planeBytes)), i8_(i8TableOf(config)) {}

  size_t preparedBytes() const override {
    return i8PreparedBytes(config_.n, config_.k, i8_.planeBytes, i8_.rowTile);
  }
  void prepare(const uint8_t* packed, uint8_t* out) const override {
    validatePacked(packed, config_.n, config_.k);
    repackI8Planes(packed, config_.n, config_.k, i8_.planeBytes, i8_.rowTile, out);
  }
  std::string kernelName() const override { return i8_.name; }

 protected:
  size_t rowTile() const override { return i8_.rowTile; }
  // Quantizing is a small share of a call (k values per row against n * k codes), so it runs
  // once here rather than on every thread.
  void beforeRows(const KernelCall& call, unsigned threads) override {
    // Same sizes as the previous call: the workspace hands back the same buffers, still
    // holding that call's quantized activations (BitNet quantizes a layer input once).
    q_ = static_cast<int8_t*>(workspace().get(Workspace::kI8Activations, call.batch * kStride_));
    rows_ = static_cast<I8Row*>(workspace().get(Workspace::kI8Rows, call.batch * sizeof(I8Row)));
    if (!sameInput())
      for (size_t b = 0; b < call.batch; ++b)
        i8_.quantize(call.x + b * call.xStride, config_.k, kStride_, q_ + b * kStride_, rows_ + b);
    threadScratch_.assign(threads, nullptr);
    const size_t bytes = i8_.threadScratchBytes(kStride_, call.batch);
    if (bytes == 0) return;
    for (unsigned i = 0; i < threads; ++i) threadScratch_[i] = workspace().get(Workspace::kThreadScratch + i, bytes);
  }
  void runRows(const uint8_t* prepared, const KernelCall& call, unsigned thread) override {
    const I8KernelCall i8Call{call.n,  call.k,     q_,     kStride_,     rows_,
                              call.batch, call.scale, call.y, call.rowBegin, call.rowEnd};
    i8_.run(prepared, threadScratch_[thread], i8Call);
  }

 private:
  const I8KernelTable& i8_;
  int8_t* q_ = nullptr;
  I8Row* rows_ = nullptr;
  std::vector<void*> threadScratch_;
};

}  // namespace

std::unique_ptr<ComputePath> makeFusedI8Path(const PathConfig& config) {
  return std::make_unique<FusedI8Path>(config);
}

}  // namespace bitbench
