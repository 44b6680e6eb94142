#include "compute-path.h"

#include <cstring>
#include <stdexcept>

#include "../kernels/ternary-layout.h"
#include "../runtime/thread-pool.h"
#include "paths.h"

namespace bitbench {

namespace {
// Padding to a whole 64-byte line of bf16 lets every SIMD width read rows without a tail.
constexpr size_t kStrideMultiple = 32;
}  // namespace

PathKind parsePathKind(const std::string& name) {
  if (name == "baseline") return PathKind::kBaseline;
  if (name == "cached-f32") return PathKind::kCachedF32;
  if (name == "cached-bf16") return PathKind::kCachedBf16;
  if (name == "fused") return PathKind::kFused;
  if (name == "fused-i8") return PathKind::kFusedI8;
  throw std::invalid_argument(
      "Expected path to be one of baseline, cached-f32, cached-bf16, fused, fused-i8 but received '" + name + "'");
}

const char* pathKindName(PathKind kind) {
  switch (kind) {
    case PathKind::kBaseline: return "baseline";
    case PathKind::kCachedF32: return "cached-f32";
    case PathKind::kCachedBf16: return "cached-bf16";
    case PathKind::kFused: return "fused";
    case PathKind::kFusedI8: return "fused-i8";
  }
  return "unknown";
}

ComputePath::ComputePath(const PathConfig& config, size_t columnMultiple)
    : config_(config),
      table_(config.implementation->table(cpuFeatures())),
      kStride_(roundUp(roundUp(config.k, columnMultiple), kStrideMultiple)) {
  if (!config_.workspace) config_.workspace = std::make_shared<Workspace>();
}

KernelCall ComputePath::setUp(const float* x, size_t batch, float* y, unsigned threads, bool sameInput) {
  if (batch > config_.maxBatch) throw std::invalid_argument("batch exceeds the batch the path was built for");
  sameInput_ = sameInput;
  if (!readsPaddedActivations()) {
    padded_ = nullptr;
    const KernelCall base{config_.n, config_.k, x, config_.k, batch, config_.scale, y, 0, config_.n};
    beforeRows(base, threads);
    return base;
  }
  // The workspace may hold another path's data: write the zero padding every call.
  float* padded = static_cast<float*>(workspace().get(Workspace::kPaddedActivations, batch * kStride_ * sizeof(float)));
  for (size_t b = 0; b < batch; ++b) {
    std::memcpy(padded + b * kStride_, x + b * config_.k, config_.k * sizeof(float));
    std::memset(padded + b * kStride_ + config_.k, 0, (kStride_ - config_.k) * sizeof(float));
  }
  padded_ = padded;
  const KernelCall base{config_.n, config_.k, padded, kStride_, batch, config_.scale, y, 0, config_.n};
  beforeRows(base, threads);
  return base;
}

void ComputePath::runShare(const uint8_t* prepared, const KernelCall& base, unsigned index, unsigned count,
                           Share share) {
  const RowRange rows = splitRows(config_.n, rowTile(), index, count);
  if (rows.begin >= rows.end) return;
  KernelCall call = base;
  call.rowBegin = rows.begin;
  call.rowEnd = rows.end;
  runRowsShare(prepared, call, index, share);
}

void ComputePath::run(const uint8_t* prepared, const float* x, size_t batch, float* y, unsigned threads,
                      bool sameInput) {
  const KernelCall base = setUp(x, batch, y, threads, sameInput);
  ThreadPool::shared().parallel(threads, [&](unsigned index, unsigned count) { runShare(prepared, base, index, count); });
}

void ComputePath::runGroup(const GroupMember* members, size_t count, const float* x, size_t batch, unsigned threads) {
  if (count > kMaxGroup) throw std::invalid_argument("runGroup: more products than kMaxGroup");
  bool groupable = true;
  for (size_t i = 0; i < count; ++i) groupable &= members[i].path->groupable();
  if (!groupable) {
    for (size_t i = 0; i < count; ++i) members[i].path->run(members[i].prepared, x, batch, members[i].y, threads, i > 0);
    return;
  }
  KernelCall bases[kMaxGroup];
  for (size_t i = 0; i < count; ++i) {
    ComputePath& path = *members[i].path;
    if (path.config_.k != members[0].path->config_.k || path.config_.workspace != members[0].path->config_.workspace)
      throw std::invalid_argument("runGroup: the products must share k and the workspace");
    bases[i] = path.setUp(x, batch, members[i].y, threads, i > 0);
  }
  ThreadPool::shared().parallel(threads, [&](unsigned index, unsigned threadCount) {
    for (size_t i = 0; i < count; ++i)
      members[i].path->runShare(members[i].prepared, bases[i], index, threadCount, Share::kOwn);
    for (size_t i = 0; i < count; ++i)
      members[i].path->runShare(members[i].prepared, bases[i], index, threadCount, Share::kLeft);
  });
}

std::unique_ptr<ComputePath> makeComputePath(const PathConfig& config) {
  switch (config.kind) {
    case PathKind::kBaseline: return makeBaselinePath(config);
    case PathKind::kCachedF32: return makeCachedF32Path(config);
    case PathKind::kCachedBf16: return makeCachedBf16Path(config);
    case PathKind::kFused: return makeFusedPath(config);
    case PathKind::kFusedI8: return makeFusedI8Path(config);
  }
  throw std::invalid_argument("unknown path");
}

}  // namespace bitbench
