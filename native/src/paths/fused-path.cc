// fused: the packed codes, repacked once into the ISA's layout, are turned into weights (or
// partial sums) in registers inside the multiply-accumulate loop. The dense matrix never
// exists.
#include <cstring>
#include <vector>

#include "../kernels/ternary-layout.h"
#include "paths.h"

namespace bitbench {

namespace {

const KernelTable& tableOf(const PathConfig& config) { return *config.implementation->table(cpuFeatures()); }

class FusedPath : public ComputePath {
 public:
  explicit FusedPath(const PathConfig& config)
      : ComputePath(config, fusedColumnMultiple(tableOf(config).fusedLayout)),
        scratchBytes_(table().fusedThreadScratchBytes ? table().fusedThreadScratchBytes(kStride_) : 0) {}

  size_t preparedBytes() const override {
    return fusedPreparedBytes(table().fusedLayout, config_.n, config_.k, table().fusedRowTile);
  }
  void prepare(const uint8_t* packed, uint8_t* out) const override {
    validatePacked(packed, config_.n, config_.k);
    repackFused(table().fusedLayout, packed, config_.n, config_.k, table().fusedRowTile, out);
  }
  std::string kernelName() const override { return table().fusedKernelName; }

 protected:
  size_t rowTile() const override { return table().fusedRowTile; }
  void beforeRows(const KernelCall&, unsigned threads) override {
    // Taken on the calling thread; each thread then writes only its own buffer.
    threadScratch_.assign(threads, nullptr);
    if (scratchBytes_ == 0) return;
    for (unsigned i = 0; i < threads; ++i) threadScratch_[i] = workspace().get(Workspace::kThreadScratch + i, scratchBytes_);
  }
  void runRows(const uint8_t* prepared, const KernelCall& call, unsigned thread) override {
    table().fusedRun(prepared, threadScratch_[thread], call);
  }

 private:
  size_t scratchBytes_;
  std::vector<void*> threadScratch_;
};

}  // namespace

std::unique_ptr<ComputePath> makeFusedPath(const PathConfig& config) {
  return std::make_unique<FusedPath>(config);
}

}  // namespace bitbench
