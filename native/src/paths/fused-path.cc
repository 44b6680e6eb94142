// fused: the packed codes, repacked once into the ISA's layout, are turned into weights (or
// partial sums) in registers inside the multiply-accumulate loop. The dense matrix never
// exists.
#include <cstring>

#include "../kernels/ternary-layout.h"
#include "paths.h"

namespace bitbench {

namespace {

const KernelTable& tableOf(const PathConfig& config) { return *config.implementation->table(cpuFeatures()); }

class FusedPath : public ComputePath {
 public:
  explicit FusedPath(const PathConfig& config)
      : ComputePath(config, fusedColumnMultiple(tableOf(config).fusedLayout)),
        callScratch_(table().fusedCallScratchBytes ? table().fusedCallScratchBytes(kStride_) : 0) {}

  size_t preparedBytes() const override {
    return fusedPreparedBytes(table().fusedLayout, config_.n, config_.k, table().fusedRowTile);
  }
  void prepare(const uint8_t* packed, uint8_t* out) const override {
    validatePacked(packed, config_.n, config_.k);
    repackFused(table().fusedLayout, packed, config_.n, config_.k, table().fusedRowTile, out);
  }
  std::string kernelName() const override { return table().fusedKernelName; }

 protected:
  // Threads take whole blocks of tiles, so each reads one sequential stream.
  size_t rowTile() const override { return table().fusedRowTile * kTilesPerBlock; }
  void beforeRows(const KernelCall& call) override {
    if (table().fusedBeforeCall) table().fusedBeforeCall(call, callScratch_.as<void>());
  }
  void runRows(const uint8_t* prepared, const KernelCall& call) override {
    table().fusedRun(prepared, callScratch_.as<void>(), call);
  }

 private:
  AlignedBuffer callScratch_;
};

}  // namespace

std::unique_ptr<ComputePath> makeFusedPath(const PathConfig& config) {
  return std::make_unique<FusedPath>(config);
}

}  // namespace bitbench
