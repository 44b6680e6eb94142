// fused-i8 (W1.58A8, as BitNet b1.58 computes): each call quantizes the activations to int8
// per row (absmax), then the ISA's integer kernel multiplies them by the packed codes,
// repacked once into code planes (i8-layout.h), and rescales each output once.
#include <vector>

#include "../kernels/i8-layout.h"
#include "../kernels/sparse-layout.h"
#include "../kernels/ternary-layout.h"
#include "paths.h"
#include "sparse-choice.h"

namespace bitbench {

namespace {

const I8KernelTable& i8TableOf(const PathConfig& config) {
  return *config.implementation->i8Table(cpuFeatures());
}

class FusedI8Path : public ComputePath {
 public:
  explicit FusedI8Path(const PathConfig& config)
      : ComputePath(config, i8ColumnMultiple(i8TableOf(config).planeBytes)),
        i8_(i8TableOf(config)),
        sparse_(config.sparseKernel && i8_.sparseRun),
        blocks_(kStride_ / i8ColumnMultiple(i8_.planeBytes)),
        nonzeroBlocks_(sparse_ ? blocks_ : 0) {}

  size_t preparedBytes() const override {
    const size_t dense = denseBytes();
    return sparse_ ? sparseCopyOffset(dense) + sparsePreparedBytes(config_.n, config_.k, i8_.planeBytes) : dense;
  }
  size_t readBytes() const override { return denseBytes(); }
  void prepare(const uint8_t* packed, uint8_t* out) const override {
    validatePacked(packed, config_.n, config_.k);
    repackI8Planes(packed, config_.n, config_.k, i8_.planeBytes, i8_.rowTile, out);
    if (sparse_) repackSparseBlocks(packed, config_.n, config_.k, i8_.planeBytes, out + sparseCopyOffset(denseBytes()));
  }
  bool hasSparseKernel() const override { return sparse_; }
  size_t sparseBlockColumns() const override { return i8ColumnMultiple(i8_.planeBytes); }
  std::string kernelName() const override {
    return sparse_ ? std::string(i8_.name) + "; sparse: listed column blocks, one stream each" : i8_.name;
  }

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
    runSparse_ = false;
    if (sparse_ && sparseAllowed_ && call.batch == 1) {
      nonzeroCount_ = nonzeroBlocksI8(q_, blocks_, i8ColumnMultiple(i8_.planeBytes), nonzeroBlocks_.data());
      size_t zeros = 0;
      for (size_t i = 0; i < config_.k; ++i) zeros += q_[i] == 0;
      runSparse_ = chooseSparse(sparsity_, blocks_, nonzeroCount_, static_cast<double>(zeros) / config_.k, kSparseMinZeroBlocks);
    }
    threadScratch_.assign(threads, nullptr);
    const size_t denseBytes = i8_.threadScratchBytes(kStride_, call.batch);
    const size_t bytes = runSparse_ && denseBytes < kSparseThreadScratchBytes ? kSparseThreadScratchBytes : denseBytes;
    if (bytes == 0) return;
    for (unsigned i = 0; i < threads; ++i) threadScratch_[i] = workspace().get(Workspace::kThreadScratch + i, bytes);
  }
  void runRows(const uint8_t* prepared, const KernelCall& call, unsigned thread) override {
    const I8KernelCall i8Call{call.n,  call.k,     q_,     kStride_,     rows_,
                              call.batch, call.scale, call.y, call.rowBegin, call.rowEnd};
    if (runSparse_)
      return i8_.sparseRun(prepared + sparseCopyOffset(denseBytes()), threadScratch_[thread], nonzeroBlocks_.data(),
                           nonzeroCount_, i8Call);
    i8_.run(prepared, threadScratch_[thread], i8Call);
  }

 private:
  size_t denseBytes() const { return i8PreparedBytes(config_.n, config_.k, i8_.planeBytes, i8_.rowTile); }

  const I8KernelTable& i8_;
  // The column-block copy exists (asked for, and the ISA has a sparse kernel).
  bool sparse_;
  size_t blocks_;
  std::vector<uint32_t> nonzeroBlocks_;
  size_t nonzeroCount_ = 0;
  bool runSparse_ = false;
  int8_t* q_ = nullptr;
  I8Row* rows_ = nullptr;
  std::vector<void*> threadScratch_;
};

}  // namespace

std::unique_ptr<ComputePath> makeFusedI8Path(const PathConfig& config) {
  return std::make_unique<FusedI8Path>(config);
}

}  // namespace bitbench
