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
    // Allocated on the calling thread; each thread then writes only its own buffer.
    while (scratchBytes_ != 0 && threadScratch_.size() < threads) threadScratch_.emplace_back(scratchBytes_);
  }
  void runRows(const uint8_t* prepared, const KernelCall& call, unsigned thread) override {
    table().fusedRun(prepared, scratchBytes_ ? threadScratch_[thread].as<void>() : nullptr, call);
  }

 private:
  size_t scratchBytes_;
  std::vector<AlignedBuffer> threadScratch_;
};

}  // namespace

std::unique_ptr<ComputePath> makeFusedPath(const PathConfig& config) {
  return std::make_unique<FusedPath>(config);
}

}  // namespace bitbench
