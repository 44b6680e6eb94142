// cached-bf16: dense bf16 weights prepared once (exact: the weights are -1, 0, +1); each call
// a bf16 dot product, with AVX512_BF16 where the CPU has it.
#include <cstring>

#include "../kernels/ternary-layout.h"
#include "paths.h"

namespace bitbench {

namespace {

class CachedBf16Path : public ComputePath {
 public:
  explicit CachedBf16Path(const PathConfig& config) : ComputePath(config) {}

  size_t preparedBytes() const override { return config_.n * kStride_ * sizeof(uint16_t); }
  void prepare(const uint8_t* packed, uint8_t* out) const override {
    validatePacked(packed, config_.n, config_.k);
    dequantizeRowsBf16(packed, config_.k, kStride_, 0, config_.n, reinterpret_cast<uint16_t*>(out));
  }
  std::string kernelName() const override { return table().denseBf16KernelName; }
  std::string blasName() const override { return table().denseBf16KernelName; }

 protected:
  void beforeRows(const KernelCall& call, unsigned) override {
    if (!table().denseBf16ReadsBf16Activations) return;
    // Rounding the activations is part of each call: a bf16 kernel pays it too.
    const size_t count = call.batch * kStride_;
    const float* x = paddedActivations();
    activationsBf16_ = static_cast<uint16_t*>(workspace().get(Workspace::kBf16Activations, count * sizeof(uint16_t)));
    for (size_t i = 0; i < count; ++i) activationsBf16_[i] = floatToBf16(x[i]);
  }
  void runRows(const uint8_t* prepared, const KernelCall& call, unsigned) override {
    table().denseBf16Run(reinterpret_cast<const uint16_t*>(prepared), kStride_, activationsBf16_, call);
  }

 private:
  uint16_t* activationsBf16_ = nullptr;
};

}  // namespace

std::unique_ptr<ComputePath> makeCachedBf16Path(const PathConfig& config) {
  return std::make_unique<CachedBf16Path>(config);
}

}  // namespace bitbench
