// Portable kernels: the reference every SIMD implementation is tested against, and the
// fallback on any CPU. Built with the toolchain's baseline flags only.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "../kernel-table.h"
#include "../isa-tables.h"

namespace bitbench {
namespace {

struct V {
  using F = float;
  using I = uint32_t;
  static constexpr size_t kLanes = 1;
  static constexpr size_t kMaxBatchChunk = 8;

  static F zero() { return 0.0f; }
  static F set1(float v) { return v; }
  static F add(F a, F b) { return a + b; }
  static F mul(F a, F b) { return a * b; }
  static F fma(F a, F b, F c) { return a * b + c; }
  static F loadu(const float* p) { return *p; }
  static F loadBf16(const uint16_t* p) {
    const uint32_t bits = static_cast<uint32_t>(*p) << 16;
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }
  static F loadI8(const int8_t* p) { return static_cast<float>(*p); }
  static void storeu(float* p, F v) { *p = v; }
  static void storePartial(float* p, F v, size_t count) {
    if (count) *p = v;
  }
  static float hsum(F v) { return v; }
  static I loadWords(const uint32_t* p) { return *p; }

  template <int S>
  static F weights(I word) {
    static constexpr float kCodeToWeight[4] = {-1.0f, 0.0f, 1.0f, 0.0f};
    return kCodeToWeight[(word >> (2 * S)) & 3];
  }
};

#include "../fused-tiles.inl"
#include "../dense-rows.inl"


const KernelTable kTable = {
    .fusedLayout = FusedLayout::kCodePairs,
    .fusedRowTile = V::kLanes,
    .fusedKernelName = "scalar fused: LUT dequant + fp32 multiply-add",
    .fusedThreadScratchBytes = nullptr,
    .fusedRun = fusedRunTiles,
    .denseF32KernelName = "scalar dense fp32 (builtin)",
    .denseF32Run = denseF32Rows,
    .denseBf16KernelName = "scalar bf16 widened to fp32",
    .denseBf16Run = denseBf16Rows,
    .denseBf16ReadsBf16Activations = false,
    .denseI8Run = denseI8Rows,
    .sparseFusedKernelName = "scalar sparse fused: the fused kernel over the words of nonzero 64-column blocks only",
    .sparseFusedRun = fusedSkipZeroBlocks,
    .sparseFusedCopy = false,
    .sparseFusedLayout = FusedLayout::kCodePairs,
    .sparseFusedBlockColumns = kSparseF32BlockColumns,
    .sparseFusedMinRows = 0,
};

}  // namespace

const KernelTable& scalarTable() { return kTable; }

}  // namespace bitbench
