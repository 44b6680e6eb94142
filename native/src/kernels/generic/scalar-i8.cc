// Portable fused-i8 kernels: the reference every SIMD implementation is tested against, and
// the fallback on any CPU. Built with the toolchain's baseline flags only.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../i8-kernel-table.h"
#include "../i8-layout.h"
#include "../isa-tables.h"
#include "../sparse-layout.h"

namespace bitbench {
namespace {

constexpr size_t kPlaneBytes = 16;
constexpr size_t kRowTile = 1;

void quantizeRow(const float* x, size_t k, size_t qStride, int8_t* q, I8Row* row) {
  float maxAbs = 0.0f;
  for (size_t i = 0; i < k; ++i) maxAbs = std::max(maxAbs, std::fabs(x[i]));
  const float scale = maxAbs > 0 ? 127.0f / maxAbs : 0.0f;
  row->dequant = maxAbs > 0 ? maxAbs / 127.0f : 0.0f;
  int32_t sum = 0;
  for (size_t i = 0; i < k; ++i) {
    float r = std::nearbyint(x[i] * scale);
    r = r < -127.0f ? -127.0f : r > 127.0f ? 127.0f : r;
    q[i] = static_cast<int8_t>(r);
    sum += q[i];
  }
  std::memset(q + k, 0, qStride - k);
  row->sum = sum;
}

void runRows(const uint8_t* prepared, void*, const I8KernelCall& c) {
  const size_t blockColumns = 4 * kPlaneBytes;
  const size_t blocks = (c.k + blockColumns - 1) / blockColumns;
  for (size_t row = c.rowBegin; row < c.rowEnd; ++row)
    for (size_t b = 0; b < c.batch; ++b) {
      const int8_t* q = c.q + b * c.qStride;
      int32_t dot = 0;
      for (size_t block = 0; block < blocks; ++block) {
        const uint8_t* w = prepared + i8PlaneOffset(row, block, 0, blocks, kPlaneBytes, kRowTile);
        for (size_t s = 0; s < 4; ++s)
          for (size_t j = 0; j < kPlaneBytes; ++j)
            dot += ((w[j] >> (2 * s)) & 3) * q[block * blockColumns + s * kPlaneBytes + j];
      }
      c.y[b * c.n + row] = static_cast<float>(dot - c.rows[b].sum) * (c.rows[b].dequant * c.weightScale);
    }
}

void denseRows(const int8_t* weights, const float* rowScales, const I8KernelCall& c) {
  for (size_t row = c.rowBegin; row < c.rowEnd; ++row)
    for (size_t b = 0; b < c.batch; ++b) {
      const int8_t* w = weights + row * c.qStride;
      const int8_t* q = c.q + b * c.qStride;
      int32_t dot = 0;
      for (size_t i = 0; i < c.k; ++i) dot += w[i] * q[i];
      c.y[b * c.n + row] = static_cast<float>(dot) * (rowScales[row] * c.rows[b].dequant);
    }
}

// The sparse reference: the dense loop over the column-block layout, listed blocks only.
void sparseRows(const uint8_t* prepared, void*, const uint32_t* blocks, size_t count, const I8KernelCall& c) {
  const size_t blockColumns = 4 * kPlaneBytes;
  for (size_t row = c.rowBegin; row < c.rowEnd; ++row) {
    int32_t dot = 0;
    for (size_t i = 0; i < count; ++i) {
      const size_t block = blocks[i];
      const uint8_t* w = prepared + sparsePlaneOffset(block, row, c.n, kPlaneBytes);
      for (size_t s = 0; s < 4; ++s)
        for (size_t j = 0; j < kPlaneBytes; ++j)
          dot += ((w[j] >> (2 * s)) & 3) * c.q[block * blockColumns + s * kPlaneBytes + j];
    }
    c.y[row] = static_cast<float>(dot - c.rows[0].sum) * (c.rows[0].dequant * c.weightScale);
  }
}

size_t noScratch(size_t, size_t) { return 0; }

const I8KernelTable kTable = {
    .name = "scalar fused-i8: integer multiply-add (int8 activations)",
    .planeBytes = kPlaneBytes,
    .rowTile = kRowTile,
    .threadScratchBytes = noScratch,
    .run = runRows,
    .gemvSteps = nullptr,
    .gemvRunSteps = nullptr,
    .quantize = quantizeRow,
    .denseRows = denseRows,
    .sparseRun = sparseRows,
    .stripeRun = nullptr,
};

}  // namespace

const I8KernelTable& scalarI8Table() { return kTable; }

}  // namespace bitbench
