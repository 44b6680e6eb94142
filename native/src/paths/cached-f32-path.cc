// cached-f32: dense fp32 weights prepared once; each call is a dense GEMV/GEMM.
#include "../kernels/ternary-layout.h"
#include "paths.h"

namespace bitbench {

namespace {

class CachedF32Path : public ComputePath {
 public:
  explicit CachedF32Path(const PathConfig& config)
      : ComputePath(config), dense_(denseF32Product(table(), config.useBlas)) {}

  size_t preparedBytes() const override { return config_.n * kStride_ * sizeof(float); }
  void prepare(const uint8_t* packed, uint8_t* out) const override {
    validatePacked(packed, config_.n, config_.k);
    dequantizeRowsF32(packed, config_.k, kStride_, 0, config_.n, reinterpret_cast<float*>(out));
  }
  std::string kernelName() const override { return dense_.name(); }
  std::string blasName() const override { return dense_.name(); }

 protected:
  void runRows(const uint8_t* prepared, const KernelCall& call, unsigned) override {
    dense_.run(reinterpret_cast<const float*>(prepared), kStride_, call);
  }

 private:
  DenseF32Product dense_;
};

}  // namespace

std::unique_ptr<ComputePath> makeCachedF32Path(const PathConfig& config) {
  return std::make_unique<CachedF32Path>(config);
}

}  // namespace bitbench
