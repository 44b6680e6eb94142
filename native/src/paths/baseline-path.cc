// baseline: nothing prepared but validation; each call dequantizes the packed weights to
// fp32 (LUT, 16 bytes per packed byte) and then runs the dense fp32 product, the way a
// naive runtime treats quantized weights. Each thread dequantizes the rows it multiplies.
#include <cstring>

#include "../kernels/ternary-layout.h"
#include "paths.h"

namespace bitbench {

namespace {

class BaselinePath : public ComputePath {
 public:
  explicit BaselinePath(const PathConfig& config)
      : ComputePath(config),
        dense_(denseF32Product(table(), config.useBlas)) {}

  size_t preparedBytes() const override { return packedBytes(config_.n, config_.k); }
  void prepare(const uint8_t* packed, uint8_t* out) const override {
    validatePacked(packed, config_.n, config_.k);
    std::memcpy(out, packed, preparedBytes());
  }
  std::string kernelName() const override { return "LUT dequantize to fp32, then " + dense_.name(); }
  std::string blasName() const override { return dense_.name(); }

 protected:
  // Each product dequantizes its own rows into the one shared buffer.
  bool groupable() const override { return false; }
  void beforeRows(const KernelCall&, unsigned) override {
    dequantized_ = static_cast<float*>(
        workspace().get(Workspace::kDequantizedWeights, config_.n * kStride_ * sizeof(float)));
  }
  void runRows(const uint8_t* prepared, const KernelCall& call, unsigned) override {
    float* dense = dequantized_;
    dequantizeRowsF32(prepared, config_.k, kStride_, call.rowBegin, call.rowEnd, dense);
    dense_.run(dense, kStride_, call);
  }

 private:
  DenseF32Product dense_;
  float* dequantized_ = nullptr;
};

}  // namespace

std::unique_ptr<ComputePath> makeBaselinePath(const PathConfig& config) {
  return std::make_unique<BaselinePath>(config);
}

}  // namespace bitbench
