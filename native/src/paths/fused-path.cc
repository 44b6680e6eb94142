// fused: the packed codes, repacked once into the ISA's row-tile layout, are dequantized in
// registers inside the FMA loop. The dense matrix never exists.
#include <cstring>

#include "../kernels/ternary-layout.h"
#include "paths.h"

namespace bitbench {

namespace {

class FusedPath : public ComputePath {
 public:
  using ComputePath::ComputePath;

  size_t preparedBytes() const override {
    return rowTileBytes(config_.n, config_.k, table().fusedRowTile);
  }
  void prepare(const uint8_t* packed, uint8_t* out) const override {
    validatePacked(packed, config_.n, config_.k);
    repackRowTiles(packed, config_.n, config_.k, table().fusedRowTile, out);
  }
  std::string kernelName() const override { return table().fusedKernelName; }

 protected:
  size_t rowTile() const override { return table().fusedRowTile; }
  void runRows(const uint8_t* prepared, const KernelCall& call) override {
    table().fusedRun(prepared, call);
  }
};

}  // namespace

std::unique_ptr<ComputePath> makeFusedPath(const PathConfig& config) {
  return std::make_unique<FusedPath>(config);
}

}  // namespace bitbench
