// Standalone kernel self-test: every supported implementation x every compute path, over
// awkward shapes, against a double-precision reference computed from the packed codes; the
// fused-i8 kernels also against the scalar fused-i8 kernels, which they must equal exactly. Built
// for AArch64 with native/cmake/aarch64-linux-gnu.cmake and run under qemu-aarch64-static by
// test/native/neon-qemu.test.ts, so the NEON kernels are checked on an x86 CI host; it runs
// natively as well. One line per case, then "N passed, M failed"; exit status 1 on a failure.
// The sparse kernels (activation sparsity) are checked against the dense kernel of the same
// table on the same activations with whole column blocks zeroed.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../src/dispatch/cpu-features.h"
#include "../src/dispatch/implementations.h"
#include "../src/kernels/i8-kernel-table.h"
#include "../src/kernels/i8-layout.h"
#include "../src/kernels/isa-tables.h"
#include "../src/kernels/sparse-layout.h"
#include "../src/kernels/stripe-layout.h"
#include "../src/kernels/stream-split.h"
#include "../src/kernels/ternary-layout.h"
#include "../src/model/activation-sparsity.h"
#include "../src/model/model-benchmark.h"
#include "../src/paths/compute-path.h"
#include "../src/runtime/aligned-buffer.h"
#include "../src/runtime/synthetic-data.h"
#include "../src/runtime/thread-pool.h"

namespace {

using namespace bitbench;

// Named tolerances (STYLE.md): fp32 paths per output, relative to the sum of |w x| so that
// cancellation does not make a correct kernel look wrong; bf16 over the whole output.
constexpr double kF32RelativeTolerance = 1e-4;
constexpr double kF32AbsoluteTolerance = 1e-6;
constexpr double kBf16MinCosine = 0.9999;
// fused-i8 against the fp32 reference, per output vector: int8 activations lose about 0.4%.
constexpr double kI8MinCosine = 0.999;
// A cosine of fewer outputs than this says little more than their signs.
constexpr size_t kI8CosineMinRows = 16;

struct Shape {
  size_t n;
  size_t k;
};

// K = 4 (one byte per row), K not a multiple of 4, 16 or 64, multiples of 16 and 64, N = 1,
// N not a multiple of any SIMD row tile.
constexpr Shape kShapes[] = {{1, 4}, {1, 70}, {7, 5}, {37, 70}, {19, 131}, {33, 48}, {5, 64}, {17, 200}};
constexpr size_t kBatches[] = {1, 3, 4, 33, 64};
constexpr size_t kMaxBatch = 64;
constexpr unsigned kThreadCounts[] = {1, 2};
constexpr PathKind kPaths[] = {PathKind::kBaseline, PathKind::kCachedF32, PathKind::kCachedBf16,
                               PathKind::kFused};
// fused-i8: k odd and past one code block (64 columns on NEON, 128 on AVX2, 256 on AVX-512)
// and past one chunk of the batched kernel (about 1024 columns), n not a multiple of a tile;
// n past several 32-row AMX panels, split between threads inside one.
// 3072 and 4096 rows of 256 columns: at one thread, streams of three (3072) and four (4096)
// whose equal shares would start 64 KiB apart, so stream-split.h takes a tile off each share.
constexpr Shape kI8Shapes[] = {{1, 7},     {7, 5},     {37, 70},   {19, 257},   {33, 256},  {17, 1031},
                               {9, 2501},  {40, 4099}, {130, 515}, {3072, 256}, {4096, 256}};

// Sparse kernels against the dense kernel of the same table: fused-i8 to the bit (the integer
// dot over the listed blocks is the dense dot), fused fp32 (which adds in another order) per
// output within this times |scale| * sum |w x|.
constexpr double kSparseF32RelativeTolerance = 1e-5;
constexpr float kSparseScale = 0.75f;
// n = 1; n past the fused-i8 kernel's row group (kSparseRowGroup, 4096; 4100) and past the
// fp32 kernels' tiles, not a multiple of any; k less than one block, not a multiple of a
// block, and (2560) whole blocks of every plane width. 2600 and 3100 rows: after the first four
// whole chunks of the AVX-512 fp32 panel copy (kPanelChunkTiles), runs of one, two and three
// chunks (whole and cut) for one thread, and for two.
// 4096 rows: column blocks of 64, 128 and 256 KiB (16-, 32- and 64-byte planes), which the
// sparse layout spaces a page further apart (sparseBlockStride).
constexpr Shape kSparseShapes[] = {{1, 70},     {37, 70},    {19, 131},   {300, 1000}, {257, 2560}, {513, 333},
                                   {4100, 300}, {2600, 300}, {3100, 300}, {4096, 300}, {4092, 300}};
// Which column blocks are all zero: none, a random half (plus single zeros elsewhere, which no
// kernel may mind), all but one at random, all but the last (the partial one when k is not a
// multiple of a block), every one.
enum class ZeroBlocks { kNone, kHalf, kAllButOne, kAllButLast, kAll };
constexpr ZeroBlocks kZeroPatterns[] = {ZeroBlocks::kNone, ZeroBlocks::kHalf, ZeroBlocks::kAllButOne,
                                        ZeroBlocks::kAllButLast, ZeroBlocks::kAll};

struct Tally {
  int passed = 0;
  int failed = 0;
  void record(bool ok, const std::string& line) {
    std::printf("%s %s\n", ok ? "PASS" : "FAIL", line.c_str());
    std::fflush(stdout);
    (ok ? passed : failed) += 1;
  }
};

struct Reference {
  std::vector<double> y;          // batch x n
  std::vector<double> magnitude;  // scale * sum |w x|, batch x n
};

Reference referenceProduct(const std::vector<uint8_t>& packed, const std::vector<float>& x, size_t n,
                           size_t k, size_t batch, float scale) {
  Reference ref{std::vector<double>(batch * n), std::vector<double>(batch * n)};
  for (size_t b = 0; b < batch; ++b)
    for (size_t row = 0; row < n; ++row) {
      double sum = 0, magnitude = 0;
      for (size_t col = 0; col < k; ++col) {
        const double w = packedCode(packed.data(), k, row, col) - 1;
        const double xv = x[b * k + col];
        sum += w * xv;
        magnitude += std::fabs(w * xv);
      }
      ref.y[b * n + row] = double{scale} * sum;
      ref.magnitude[b * n + row] = std::fabs(double{scale}) * magnitude;
    }
  return ref;
}

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

// Returns an empty string when y matches, else what is wrong.
std::string compareF32(const std::vector<float>& y, const Reference& ref, double& worst) {
  worst = 0;
  for (size_t i = 0; i < ref.y.size(); ++i) {
    const double error = std::fabs(double{y[i]} - ref.y[i]);
    const double tolerance = kF32RelativeTolerance * ref.magnitude[i] + kF32AbsoluteTolerance;
    if (!std::isfinite(y[i]) || !(error <= tolerance))
      return "output " + std::to_string(i) + " = " + format("%.9g", y[i]) + ", expected " +
             format("%.9g", ref.y[i]) + " (tolerance " + format("%.3g", tolerance) + ")";
    worst = std::fmax(worst, error / (ref.magnitude[i] + 1e-30));
  }
  return "";
}

std::string compareCosine(const std::vector<float>& y, const Reference& ref, double& cosine) {
  double dot = 0, yy = 0, rr = 0;
  for (size_t i = 0; i < ref.y.size(); ++i) {
    if (!std::isfinite(y[i])) return "output " + std::to_string(i) + " is not finite";
    dot += y[i] * ref.y[i];
    yy += double{y[i]} * y[i];
    rr += ref.y[i] * ref.y[i];
  }
  if (rr == 0 && yy == 0) {
    cosine = 1;
    return "";
  }
  cosine = (rr == 0 || yy == 0) ? 0 : dot / std::sqrt(yy * rr);
  if (!(cosine >= kBf16MinCosine)) return "cosine " + format("%.7f", cosine) + " below " + format("%.4f", kBf16MinCosine);
  return "";
}

std::string caseName(const Implementation& impl, PathKind kind, size_t n, size_t k) {
  return std::string(impl.name) + " " + pathKindName(kind) + " n=" + std::to_string(n) + " k=" + std::to_string(k);
}

void checkProducts(const Implementation& impl, PathKind kind, const Shape& shape, uint64_t seed, Tally& tally) {
  const size_t n = shape.n, k = shape.k;
  const float scale = 0.5f + 0.125f * static_cast<float>(seed % 7);
  std::vector<uint8_t> packed(packedBytes(n, k));
  syntheticPackedWeights(seed, n, k, packed.data());
  std::vector<float> x(kMaxBatch * k);
  syntheticActivations(seed + 1, x.size(), x.data());

  const std::string name = caseName(impl, kind, n, k);
  std::unique_ptr<ComputePath> path;
  AlignedBuffer prepared;
  try {
    path = makeComputePath(PathConfig{kind, &impl, n, k, kMaxBatch, scale, /*useBlas=*/true});
    prepared = AlignedBuffer(path->preparedBytes());
    path->prepare(packed.data(), prepared.as<uint8_t>());
  } catch (const std::exception& error) {
    tally.record(false, name + " prepare threw: " + error.what());
    return;
  }

  // One prepared copy serves every batch and thread count, as in a benchmark.
  for (size_t batch : kBatches)
    for (unsigned threads : kThreadCounts) {
      const std::string line = name + " batch=" + std::to_string(batch) + " threads=" + std::to_string(threads);
      const Reference ref = referenceProduct(packed, x, n, k, batch, scale);
      // NaN everywhere first: an output row the kernel skips cannot pass by luck.
      std::vector<float> y(batch * n, std::numeric_limits<float>::quiet_NaN());
      try {
        path->run(prepared.as<uint8_t>(), x.data(), batch, y.data(), threads);
      } catch (const std::exception& error) {
        tally.record(false, line + " run threw: " + error.what());
        continue;
      }
      if (kind == PathKind::kCachedBf16) {
        double cosine = 0;
        const std::string problem = compareCosine(y, ref, cosine);
        tally.record(problem.empty(), line + (problem.empty() ? " cosine=" + format("%.8f", cosine) : ": " + problem));
      } else {
        double worst = 0;
        const std::string problem = compareF32(y, ref, worst);
        tally.record(problem.empty(), line + (problem.empty() ? " maxRelErr=" + format("%.2e", worst) : ": " + problem));
      }
    }
}

// Empty when the two outputs are equal to the bit, else the first difference.
std::string compareExact(const std::vector<float>& y, const std::vector<float>& expected) {
  for (size_t i = 0; i < expected.size(); ++i)
    if (std::memcmp(&y[i], &expected[i], sizeof(float)) != 0)
      return "output " + std::to_string(i) + " = " + format("%.9g", y[i]) + ", scalar fused-i8 gives " +
             format("%.9g", expected[i]);
  return "";
}

// ComputePath::runGroup (the model's Q/K/V and gate/up) gives each product exactly what run()
// gives it alone: three paths of different n sharing k and a workspace, as in the model.
void checkGroup(const Implementation& impl, PathKind kind, Tally& tally) {
  constexpr size_t k = 300;
  const size_t ns[] = {48, 16, 33};
  auto workspace = std::make_shared<Workspace>();
  std::unique_ptr<ComputePath> paths[3];
  AlignedBuffer prepared[3];
  for (size_t i = 0; i < 3; ++i) {
    std::vector<uint8_t> packed(packedBytes(ns[i], k));
    syntheticPackedWeights(40 + i, ns[i], k, packed.data());
    paths[i] = makeComputePath(PathConfig{kind, &impl, ns[i], k, kMaxBatch, 0.75f, /*useBlas=*/false, workspace});
    prepared[i] = AlignedBuffer(paths[i]->preparedBytes());
    paths[i]->prepare(packed.data(), prepared[i].as<uint8_t>());
  }
  std::vector<float> x(kMaxBatch * k);
  syntheticActivations(43, x.size(), x.data());
  for (size_t batch : {size_t{1}, size_t{3}})
    for (unsigned threads : kThreadCounts) {
      std::string problem;
      std::vector<float> alone[3], grouped[3];
      ComputePath::GroupMember members[3];
      for (size_t i = 0; i < 3; ++i) {
        alone[i].assign(batch * ns[i], 0.0f);
        grouped[i].assign(batch * ns[i], std::numeric_limits<float>::quiet_NaN());
        paths[i]->run(prepared[i].as<uint8_t>(), x.data(), batch, alone[i].data(), threads);
        members[i] = {paths[i].get(), prepared[i].as<uint8_t>(), grouped[i].data()};
      }
      ComputePath::runGroup(members, 3, x.data(), batch, threads);
      for (size_t i = 0; i < 3 && problem.empty(); ++i)
        for (size_t j = 0; j < alone[i].size() && problem.empty(); ++j)
          if (std::memcmp(&grouped[i][j], &alone[i][j], sizeof(float)) != 0)
            problem = "product " + std::to_string(i) + " output " + std::to_string(j) + " = " +
                      format("%.9g", grouped[i][j]) + ", run() alone gives " + format("%.9g", alone[i][j]);
      tally.record(problem.empty(), std::string(impl.name) + " " + pathKindName(kind) + " runGroup batch=" +
                                        std::to_string(batch) + " threads=" + std::to_string(threads) +
                                        (problem.empty() ? " equals run()" : ": " + problem));
    }
}

// Empty when every output vector (one per batch row) has cosine >= kI8MinCosine against the
// fp32 reference; `worst` is the lowest.
std::string compareI8Cosine(const std::vector<float>& y, const Reference& ref, size_t n, size_t batch, double& worst) {
  worst = 1;
  for (size_t b = 0; b < batch; ++b) {
    double dot = 0, yy = 0, rr = 0;
    for (size_t i = b * n; i < (b + 1) * n; ++i) {
      dot += y[i] * ref.y[i];
      yy += double{y[i]} * y[i];
      rr += ref.y[i] * ref.y[i];
    }
    const double cosine = (rr == 0 && yy == 0) ? 1 : (rr == 0 || yy == 0) ? 0 : dot / std::sqrt(yy * rr);
    worst = std::fmin(worst, cosine);
    if (!(cosine >= kI8MinCosine))
      return "batch row " + std::to_string(b) + ": cosine " + format("%.7f", cosine) + " below " + format("%.3f", kI8MinCosine);
  }
  return "";
}

// fused-i8 quantizes the activations the same way on every ISA and sums integers exactly, so
// every output must equal the scalar kernels' to the bit (same thread count or not).
void checkI8Products(const Implementation& impl, const Implementation& scalar, const Shape& shape, uint64_t seed,
                     Tally& tally) {
  const size_t n = shape.n, k = shape.k;
  const float scale = 0.5f + 0.125f * static_cast<float>(seed % 7);
  std::vector<uint8_t> packed(packedBytes(n, k));
  syntheticPackedWeights(seed, n, k, packed.data());
  std::vector<float> x(kMaxBatch * k);
  syntheticActivations(seed + 1, x.size(), x.data());

  const std::string name = caseName(impl, PathKind::kFusedI8, n, k);
  std::unique_ptr<ComputePath> path, reference;
  AlignedBuffer prepared, referencePrepared;
  try {
    path = makeComputePath(PathConfig{PathKind::kFusedI8, &impl, n, k, kMaxBatch, scale, true});
    prepared = AlignedBuffer(path->preparedBytes());
    path->prepare(packed.data(), prepared.as<uint8_t>());
    reference = makeComputePath(PathConfig{PathKind::kFusedI8, &scalar, n, k, kMaxBatch, scale, true});
    referencePrepared = AlignedBuffer(reference->preparedBytes());
    reference->prepare(packed.data(), referencePrepared.as<uint8_t>());
  } catch (const std::exception& error) {
    tally.record(false, name + " prepare threw: " + error.what());
    return;
  }

  for (size_t batch : kBatches) {
    const Reference ref = referenceProduct(packed, x, n, k, batch, scale);
    std::vector<float> expected(batch * n, std::numeric_limits<float>::quiet_NaN());
    try {
      reference->run(referencePrepared.as<uint8_t>(), x.data(), batch, expected.data(), 1);
    } catch (const std::exception& error) {
      tally.record(false, name + " batch=" + std::to_string(batch) + " scalar run threw: " + error.what());
      continue;
    }
    for (unsigned threads : kThreadCounts) {
      const std::string line = name + " batch=" + std::to_string(batch) + " threads=" + std::to_string(threads);
      std::vector<float> y(batch * n, std::numeric_limits<float>::quiet_NaN());
      try {
        path->run(prepared.as<uint8_t>(), x.data(), batch, y.data(), threads);
      } catch (const std::exception& error) {
        tally.record(false, line + " run threw: " + error.what());
        continue;
      }
      std::string problem = compareExact(y, expected);
      double worst = 1;
      if (problem.empty() && n >= kI8CosineMinRows) problem = compareI8Cosine(y, ref, n, batch, worst);
      const std::string cosine = n >= kI8CosineMinRows ? ", min cosine=" + format("%.6f", worst) : "";
      tally.record(problem.empty(), line + (problem.empty() ? " exact vs scalar" + cosine : ": " + problem));
    }
  }
}

// The int8 LM head's kernel (I8KernelTable::denseRows), where the ISA has one: int8 weights
// times quantized activations, split over two row ranges as two threads would split it; equal
// to the scalar kernel's output to the bit.
void checkI8DenseRows(const Implementation& impl, const Implementation& scalar, Tally& tally) {
  const I8KernelTable& table = *impl.i8Table(cpuFeatures());
  const I8KernelTable& scalarTable = *scalar.i8Table(cpuFeatures());
  const std::string name = std::string(impl.name) + " fused-i8 denseRows";
  if (table.denseRows == nullptr) {
    std::printf("NOTE %s: none (the model widens the int8 head to fp32)\n", name.c_str());
    return;
  }
  constexpr size_t kStrideMultiple = 32;  // the model pads its int8 head rows to this
  // Batch 1 (decode) reads two far-apart rows at once; 3 runs row by row; 9 also takes the
  // four-row batched path twice (the LM head at batch > 1).
  // AMX: 75 x 2560 and 70 x 128 hold whole 32-row panels and rows left over in each thread's
  // half; batch 33 is a pair of 16-row batch tiles and one alone. 128 x 2048: each call's
  // halves would be exactly 64 KiB apart, so they lose a row each to the rows run one by one.
  for (const Shape& shape : {Shape{37, 70}, Shape{5, 2560}, Shape{3, 31}, Shape{11, 333}, Shape{75, 2560}, Shape{70, 128},
                             Shape{128, 2048}})
  for (const size_t batch : {size_t{1}, size_t{3}, size_t{9}, size_t{33}}) {
    const size_t n = shape.n, k = shape.k;
    const size_t stride = (k + kStrideMultiple - 1) / kStrideMultiple * kStrideMultiple;
    std::vector<int8_t> weights(n * stride, 0), q(batch * stride);
    std::vector<float> noise(n * k + batch * k), rowScales(n);
    syntheticActivations(n * 131 + k, noise.size(), noise.data());
    for (size_t row = 0; row < n; ++row) {
      for (size_t i = 0; i < k; ++i) weights[row * stride + i] = static_cast<int8_t>(std::lround(noise[row * k + i] * 127));
      rowScales[row] = 0.01f + 0.001f * static_cast<float>(row);
    }
    std::vector<I8Row> rows(batch);
    for (size_t b = 0; b < batch; ++b)
      scalarTable.quantize(noise.data() + n * k + b * k, k, stride, q.data() + b * stride, &rows[b]);
    std::vector<float> y(batch * n, std::numeric_limits<float>::quiet_NaN());
    std::vector<float> expected(batch * n, std::numeric_limits<float>::quiet_NaN());
    const I8KernelCall whole{n, k, q.data(), stride, rows.data(), batch, 1.0f, expected.data(), 0, n};
    scalarTable.denseRows(weights.data(), rowScales.data(), whole);
    for (const auto& [begin, end] : {std::pair<size_t, size_t>{0, n / 2}, {n / 2, n}})
      table.denseRows(weights.data(), rowScales.data(), I8KernelCall{n, k, q.data(), stride, rows.data(), batch, 1.0f, y.data(), begin, end});
    const std::string problem = compareExact(y, expected);
    tally.record(problem.empty(), name + " n=" + std::to_string(n) + " k=" + std::to_string(k) + " batch=" + std::to_string(batch) +
                                      (problem.empty() ? " exact vs scalar" : ": " + problem));
  }
}

// The quantization alone, on rows whose products land exactly on .5 (ties round to even) and
// on every length's tail: bit-identical to the scalar reference, scale and sum included.
void checkI8Quantize(const Implementation& impl, const Implementation& scalar, Tally& tally) {
  const I8KernelTable& table = *impl.i8Table(cpuFeatures());
  const I8KernelTable& scalarTable = *scalar.i8Table(cpuFeatures());
  std::string problem;
  // 47 and 120 reach the loop of 8 after the loop of 32, 257 the scalar tail after it.
  for (size_t k : {1, 3, 8, 15, 47, 64, 70, 120, 257}) {
    const size_t stride = (k + 63) / 64 * 64;
    std::vector<float> x(k);
    syntheticActivations(k, k, x.data());
    // max|x| = 127 makes the scale exactly 1, so x = i + 0.5 is a tie.
    for (size_t i = 0; i < k; ++i) x[i] = i % 3 == 0 ? static_cast<float>(i % 9) - 4.5f : x[i] * 127;
    x[k / 2] = -127;
    std::vector<int8_t> q(stride, 99), expected(stride, 77);
    I8Row row{}, expectedRow{};
    table.quantize(x.data(), k, stride, q.data(), &row);
    scalarTable.quantize(x.data(), k, stride, expected.data(), &expectedRow);
    if (q != expected || row.sum != expectedRow.sum || std::memcmp(&row.dequant, &expectedRow.dequant, sizeof(float)) != 0) {
      problem = "k=" + std::to_string(k) + " differs (sum " + std::to_string(row.sum) + " vs " +
                std::to_string(expectedRow.sum) + ")";
      break;
    }
  }
  tally.record(problem.empty(), std::string(impl.name) + " fused-i8 quantize" +
                                    (problem.empty() ? " bit-identical to scalar" : ": " + problem));
}

const char* zeroBlocksName(ZeroBlocks pattern) {
  switch (pattern) {
    case ZeroBlocks::kNone: return "none";
    case ZeroBlocks::kHalf: return "half";
    case ZeroBlocks::kAllButOne: return "all-but-one";
    case ZeroBlocks::kAllButLast: return "all-but-last";
    case ZeroBlocks::kAll: return "all";
  }
  return "?";
}

// splitmix64: the patterns' choices, the same on every machine.
uint64_t nextRandom(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// k activations from the seed, zero-padded to `stride`, with the pattern's blocks of
// `blockColumns` zeroed; returns how many blocks keep a nonzero value.
size_t zeroedActivations(ZeroBlocks pattern, uint64_t seed, size_t k, size_t stride, size_t blockColumns, float* x) {
  std::memset(x, 0, stride * sizeof(float));
  syntheticActivations(seed, k, x);
  const size_t blocks = (k + blockColumns - 1) / blockColumns;
  uint64_t state = seed;
  std::vector<size_t> order(blocks);
  for (size_t i = 0; i < blocks; ++i) order[i] = i;
  for (size_t i = blocks; i > 1; --i) std::swap(order[i - 1], order[nextRandom(state) % i]);
  std::vector<bool> zero(blocks, false);
  switch (pattern) {
    case ZeroBlocks::kNone: break;
    case ZeroBlocks::kHalf:
      for (size_t i = 0; i < blocks / 2; ++i) zero[order[i]] = true;
      break;
    case ZeroBlocks::kAllButOne: zero.assign(blocks, true), zero[order[0]] = false; break;
    case ZeroBlocks::kAllButLast: zero.assign(blocks, true), zero[blocks - 1] = false; break;
    case ZeroBlocks::kAll: zero.assign(blocks, true); break;
  }
  size_t kept = 0;
  for (size_t b = 0; b < blocks; ++b) {
    if (zero[b]) std::memset(x + b * blockColumns, 0, (std::min(k, (b + 1) * blockColumns) - b * blockColumns) * sizeof(float));
    else ++kept;
  }
  // Single zeros in the kept blocks; a block's first column keeps its value, so none becomes all zero.
  if (pattern == ZeroBlocks::kHalf)
    for (size_t i = 0; i < k; i += 7)
      if (i % blockColumns != 0 && nextRandom(state) % 2) x[i] = 0;
  return kept;
}

// Runs rows(begin, end, y) over [0, n) as `threads` threads of a path would split them
// (splitRows on `tile`), each range into its own NaN-filled output, so that a row written
// outside its range shows, or past n (a last tile cut by n written whole); merges the ranges
// into y. Empty, or what is wrong.
template <class Rows>
std::string runSplit(size_t n, size_t tile, unsigned threads, std::vector<float>& y, const Rows& rows) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  constexpr size_t kGuardRows = 64;
  y.assign(n, nan);
  for (unsigned t = 0; t < threads; ++t) {
    const RowRange range = splitRows(n, tile, t, threads);
    if (range.begin >= range.end) continue;
    std::vector<float> part(n + kGuardRows, nan);
    rows(range.begin, range.end, part.data());
    for (size_t row = 0; row < n + kGuardRows; ++row) {
      const bool inside = row >= range.begin && row < range.end;
      if (!inside && std::memcmp(&part[row], &nan, sizeof nan) != 0)
        return "rows [" + std::to_string(range.begin) + ", " + std::to_string(range.end) + ") wrote row " +
               std::to_string(row);
      if (inside) y[row] = part[row];
    }
  }
  return "";
}

std::string sparseCaseName(const std::string& what, size_t n, size_t k, ZeroBlocks pattern, size_t listed,
                           size_t blocks, unsigned threads) {
  return what + " n=" + std::to_string(n) + " k=" + std::to_string(k) + " zero=" + zeroBlocksName(pattern) +
         " blocks=" + std::to_string(listed) + "/" + std::to_string(blocks) + " threads=" + std::to_string(threads);
}

// fp32 fused: the table's sparse kernel (the dense layout or its own copy, listed blocks only) against its
// dense fused kernel on the same padded activations, batch 1.
void checkSparseFused(const Implementation& impl, Tally& tally) {
  const KernelTable& table = *impl.table(cpuFeatures());
  const std::string name = std::string(impl.name) + " fused sparse";
  if (table.sparseFusedRun == nullptr) {
    std::printf("NOTE %s: none (the path runs dense)\n", name.c_str());
    return;
  }
  const size_t blockColumns = table.sparseFusedBlockColumns;
  // The fused path's padding with a sparse kernel: whole words of the layout and whole blocks.
  const size_t wordColumns = fusedColumnMultiple(table.fusedLayout);
  size_t multiple = wordColumns;
  while (multiple % blockColumns) multiple += wordColumns;
  uint64_t seed = 100;
  for (const Shape& shape : kSparseShapes) {
    const size_t n = shape.n, k = shape.k, blocks = (k + blockColumns - 1) / blockColumns;
    const size_t stride = roundUp(roundUp(k, multiple), 32);
    std::vector<uint8_t> packed(packedBytes(n, k));
    syntheticPackedWeights(seed, n, k, packed.data());
    AlignedBuffer dense(fusedPreparedBytes(table.fusedLayout, n, k, table.fusedRowTile));
    repackFused(table.fusedLayout, packed.data(), n, k, table.fusedRowTile, dense.as<uint8_t>());
    // The sparse kernel's weights: the dense layout, or its own copy.
    AlignedBuffer copy(table.sparseFusedCopy ? fusedPreparedBytes(table.sparseFusedLayout, n, k, table.fusedRowTile) : 0);
    if (table.sparseFusedCopy)
      repackFused(table.sparseFusedLayout, packed.data(), n, k, table.fusedRowTile, copy.as<uint8_t>());
    const uint8_t* sparseWeights = table.sparseFusedCopy ? copy.as<uint8_t>() : dense.as<uint8_t>();
    AlignedBuffer scratch(table.fusedThreadScratchBytes ? table.fusedThreadScratchBytes(stride) : 0);
    AlignedBuffer xBuffer(stride * sizeof(float));
    float* x = xBuffer.as<float>();
    std::vector<uint32_t> list(blocks);
    for (ZeroBlocks pattern : kZeroPatterns) {
      const size_t kept = zeroedActivations(pattern, ++seed, k, stride, blockColumns, x);
      const size_t listed = nonzeroBlocksF32(x, blocks, blockColumns, list.data());
      std::vector<double> magnitude(n);
      for (size_t row = 0; row < n; ++row) {
        double sum = 0;
        for (size_t col = 0; col < k; ++col) sum += std::fabs((packedCode(packed.data(), k, row, col) - 1) * double{x[col]});
        magnitude[row] = std::fabs(double{kSparseScale}) * sum;
      }
      for (unsigned threads : kThreadCounts) {
        const std::string line = sparseCaseName(name, n, k, pattern, listed, blocks, threads);
        if (listed != kept) {
          tally.record(false, line + ": nonzeroBlocksF32 listed " + std::to_string(listed) + ", the pattern keeps " +
                                  std::to_string(kept));
          continue;
        }
        auto call = [&](size_t begin, size_t end, float* y) {
          return KernelCall{n, k, x, stride, 1, kSparseScale, y, begin, end};
        };
        std::vector<float> yDense, ySparse;
        constexpr size_t kSumsGuard = 64;
        bool sumsOverrun = false;
        std::string problem = runSplit(n, table.fusedRowTile, threads, yDense, [&](size_t b, size_t e, float* y) {
          table.fusedRun(dense.as<uint8_t>(), scratch.as<void>(), call(b, e, y));
        });
        if (problem.empty())
          problem = runSplit(n, table.fusedRowTile, threads, ySparse, [&](size_t b, size_t e, float* y) {
            // The panel copies' kernels keep their rows' sums in a buffer of the thread's own,
            // here with NaN guard floats past its end that must stay untouched.
            const size_t need = table.sparseFusedCopy ? sparseSumsFloats(b, e, table.fusedRowTile) : 0;
            std::vector<float> sums(need + kSumsGuard, std::numeric_limits<float>::quiet_NaN());
            KernelCall withSums = call(b, e, y);
            withSums.sums = table.sparseFusedCopy ? sums.data() : nullptr;
            table.sparseFusedRun(sparseWeights, scratch.as<void>(), list.data(), listed, withSums);
            for (size_t i = need; i < sums.size(); ++i) sumsOverrun |= !std::isnan(sums[i]);
          });
        if (problem.empty() && sumsOverrun) problem = "wrote past the end of its rows' sums buffer";
        double worst = 0;
        for (size_t row = 0; row < n && problem.empty(); ++row) {
          const double error = std::fabs(double{ySparse[row]} - double{yDense[row]});
          const double tolerance = kSparseF32RelativeTolerance * magnitude[row];
          if (!std::isfinite(ySparse[row]) || !std::isfinite(yDense[row]) || !(error <= tolerance))
            problem = "output " + std::to_string(row) + " = " + format("%.9g", ySparse[row]) + ", dense gives " +
                      format("%.9g", yDense[row]) + " (tolerance " + format("%.3g", tolerance) + ")";
          else if (magnitude[row] > 0)
            worst = std::fmax(worst, error / magnitude[row]);
        }
        tally.record(problem.empty(),
                     line + (problem.empty() ? " maxRelErr=" + format("%.2e", worst) + " vs dense" : ": " + problem));
      }
    }
  }
}

// fused-i8: the table's sparse kernel against its dense kernel on the same quantized
// activations, batch 1, equal to the bit.
void checkSparseI8(const Implementation& impl, Tally& tally) {
  const I8KernelTable& table = *impl.i8Table(cpuFeatures());
  const std::string name = std::string(impl.name) + " fused-i8 sparse";
  if (table.sparseRun == nullptr) {
    std::printf("NOTE %s: none (the path runs dense)\n", name.c_str());
    return;
  }
  const size_t blockColumns = i8ColumnMultiple(table.planeBytes);
  uint64_t seed = 200;
  for (const Shape& shape : kSparseShapes) {
    const size_t n = shape.n, k = shape.k;
    // As the fused-i8 path pads and counts blocks.
    const size_t stride = roundUp(roundUp(k, blockColumns), 32), blocks = stride / blockColumns;
    std::vector<uint8_t> packed(packedBytes(n, k));
    syntheticPackedWeights(seed, n, k, packed.data());
    AlignedBuffer dense(i8PreparedBytes(n, k, table.planeBytes, table.rowTile));
    repackI8Planes(packed.data(), n, k, table.planeBytes, table.rowTile, dense.as<uint8_t>());
    AlignedBuffer sparse(sparsePreparedBytes(n, k, table.planeBytes));
    repackSparseBlocks(packed.data(), n, k, table.planeBytes, sparse.as<uint8_t>());
    AlignedBuffer scratch(table.threadScratchBytes(stride, 1)), sparseScratch(kSparseThreadScratchBytes);
    AlignedBuffer xBuffer(stride * sizeof(float)), qBuffer(stride);
    float* x = xBuffer.as<float>();
    int8_t* q = qBuffer.as<int8_t>();
    std::vector<uint32_t> list(blocks);
    for (ZeroBlocks pattern : kZeroPatterns) {
      const size_t kept = zeroedActivations(pattern, ++seed, k, stride, blockColumns, x);
      I8Row row{};
      table.quantize(x, k, stride, q, &row);
      const size_t listed = nonzeroBlocksI8(q, blocks, blockColumns, list.data());
      for (unsigned threads : kThreadCounts) {
        const std::string line = sparseCaseName(name, n, k, pattern, listed, blocks, threads);
        if (listed != kept) {
          tally.record(false, line + ": nonzeroBlocksI8 listed " + std::to_string(listed) + ", the pattern keeps " +
                                  std::to_string(kept));
          continue;
        }
        auto call = [&](size_t begin, size_t end, float* y) {
          return I8KernelCall{n, k, q, stride, &row, 1, kSparseScale, y, begin, end};
        };
        std::vector<float> yDense, ySparse;
        std::string problem = runSplit(n, table.rowTile, threads, yDense, [&](size_t b, size_t e, float* y) {
          table.run(dense.as<uint8_t>(), scratch.as<void>(), call(b, e, y));
        });
        if (problem.empty())
          problem = runSplit(n, table.rowTile, threads, ySparse, [&](size_t b, size_t e, float* y) {
            table.sparseRun(sparse.as<uint8_t>(), sparseScratch.as<void>(), list.data(), listed, call(b, e, y));
          });
        for (size_t i = 0; i < n && problem.empty(); ++i)
          if (std::memcmp(&ySparse[i], &yDense[i], sizeof(float)) != 0)
            problem = "output " + std::to_string(i) + " = " + format("%.9g", ySparse[i]) + ", dense gives " +
                      format("%.9g", yDense[i]);
        tally.record(problem.empty(), line + (problem.empty() ? " exact vs dense" : ": " + problem));
      }
    }
  }
}

// Synthetic packed weights of an n x k matrix and their dense fused-i8 planes for `table`,
// with the padded activation stride its kernels take.
struct I8TestWeights {
  size_t stride;
  std::vector<uint8_t> packed;
  AlignedBuffer dense;
};
I8TestWeights makeI8TestWeights(const I8KernelTable& table, size_t n, size_t k, uint64_t seed) {
  I8TestWeights w{roundUp(roundUp(k, i8ColumnMultiple(table.planeBytes)), 32), std::vector<uint8_t>(packedBytes(n, k)),
                  AlignedBuffer(i8PreparedBytes(n, k, table.planeBytes, table.rowTile))};
  syntheticPackedWeights(seed, n, k, w.packed.data());
  repackI8Planes(w.packed.data(), n, k, table.planeBytes, table.rowTile, w.dense.as<uint8_t>());
  return w;
}

// fused-i8 scattered zeros: the table's stripe kernel (stripe-layout.h) over the nonzero
// columns, its listed columns split among `threads` parts as the path deals them out (claims
// added up, one taken from the back), each part's dots added up and rescaled as the path
// does, against the dense kernel: equal to the bit.
// Shapes: rows not a multiple of a chunk, past two and three threads' shares; columns fewer
// than one group of four, a few groups with a remainder, and past one batch of the kernel's
// column copy (256 listed). Zero fractions: none, scattered (about 1 in 3 and 9 in 10 zero),
// and all zero.
void checkStripesI8(const Implementation& impl, Tally& tally) {
  const I8KernelTable& table = *impl.i8Table(cpuFeatures());
  const std::string name = std::string(impl.name) + " fused-i8 stripes";
  if (table.stripeRun == nullptr) {
    std::printf("NOTE %s: none (scattered zeros run the column-block or dense kernel)\n", name.c_str());
    return;
  }
  constexpr Shape kStripeShapes[] = {{1, 3}, {300, 7}, {257, 70}, {1100, 301}, {4100, 1000}};
  constexpr unsigned kZeroInNine[] = {0, 3, 8, 9};
  uint64_t seed = 700;
  for (const Shape& shape : kStripeShapes) {
    const size_t n = shape.n, k = shape.k;
    const I8TestWeights weights = makeI8TestWeights(table, n, k, ++seed);
    const size_t stride = weights.stride;
    const AlignedBuffer& dense = weights.dense;
    AlignedBuffer stripes(stripePreparedBytes(n, k, table.planeBytes));
    repackStripes(weights.packed.data(), n, k, table.planeBytes, stripes.as<uint8_t>());
    AlignedBuffer scratch(table.threadScratchBytes(stride, 1)), xBuffer(stride * sizeof(float)), qBuffer(stride);
    float* x = xBuffer.as<float>();
    int8_t* q = qBuffer.as<int8_t>();
    const size_t rows = stripeRows(n, table.planeBytes);
    AlignedBuffer dotsBuffer(3 * rows * sizeof(int32_t));
    int32_t* dots = dotsBuffer.as<int32_t>();
    std::vector<uint32_t> columns(k + 1);
    for (unsigned zeroInNine : kZeroInNine) {
      uint64_t state = ++seed;
      for (size_t i = 0; i < stride; ++i)
        x[i] = i < k && nextRandom(state) % 9 >= zeroInNine ? static_cast<float>(nextRandom(state) % 2001) / 1000.0f - 1.0f : 0.0f;
      I8Row row{};
      table.quantize(x, k, stride, q, &row);
      const size_t listed = nonzeroColumnsI8(q, k, columns.data());
      for (unsigned parts = 1; parts <= 3; ++parts) {
        const std::string line = name + " n " + std::to_string(n) + " k " + std::to_string(k) + ", " +
                                 std::to_string(listed) + " of " + std::to_string(k) + " columns listed, " +
                                 std::to_string(parts) + " parts";
        std::vector<float> yDense(n), ySparse(n);
        table.run(dense.as<uint8_t>(), scratch.as<void>(), I8KernelCall{n, k, q, stride, &row, 1, kSparseScale, yDense.data(), 0, n});
        for (unsigned p = 0; p < parts; ++p) {
          // The path's shares: multiples of eight columns, the last part takes the rest. Each
          // share in claims of 32 columns added up, asking ahead for the rest of the share,
          // and for two parts the last claim taken from the back, as a thread done early does.
          const size_t begin = listed * p / parts / 8 * 8, end = p + 1 == parts ? listed : listed * (p + 1) / parts / 8 * 8;
          const size_t stolen = parts == 2 && end - begin > 40 ? end - 40 : end;
          bool accumulate = false;
          for (size_t claim = begin; claim < stolen || !accumulate; claim += 32) {
            const size_t claimEnd = std::min(claim + 32, stolen);
            table.stripeRun(stripes.as<uint8_t>(), n, q, columns.data() + claim, claimEnd - claim, stolen - claimEnd,
                            accumulate, dots + p * rows);
            accumulate = true;
          }
          if (stolen < end)
            table.stripeRun(stripes.as<uint8_t>(), n, q, columns.data() + stolen, end - stolen, 0, true, dots + p * rows);
        }
        std::string problem;
        for (size_t r = 0; r < n && problem.empty(); ++r) {
          int32_t dot = 0;
          for (unsigned p = 0; p < parts; ++p) dot += dots[p * rows + r];
          dot >>= stripeRowShift(r, table.planeBytes);
          const float y = static_cast<float>(dot - row.sum) * (row.dequant * kSparseScale);
          if (std::memcmp(&y, &yDense[r], sizeof(float)) != 0)
            problem = "output " + std::to_string(r) + " = " + format("%.9g", y) + ", dense gives " + format("%.9g", yDense[r]);
        }
        tally.record(problem.empty(), line + (problem.empty() ? " exact vs dense" : ": " + problem));
      }
    }
  }
}

// The dense batch-1 kernel in steps (I8KernelTable::gemvSteps, gemvRunSteps), as the path
// deals them out to its threads: each of two or three threads' rows taken in claims of 1-5
// steps, alternately from the front and the back, against the kernel run over the same rows
// at once: equal to the bit.
void checkI8Steps(const Implementation& impl, Tally& tally) {
  const I8KernelTable& table = *impl.i8Table(cpuFeatures());
  const std::string name = std::string(impl.name) + " fused-i8 steps";
  if (table.gemvRunSteps == nullptr) {
    std::printf("NOTE %s: none (the path splits rows once)\n", name.c_str());
    return;
  }
  uint64_t seed = 900;
  for (const Shape& shape : kI8Shapes) {
    const size_t n = shape.n, k = shape.k;
    const I8TestWeights weights = makeI8TestWeights(table, n, k, ++seed);
    const size_t stride = weights.stride;
    const AlignedBuffer& dense = weights.dense;
    AlignedBuffer scratch(table.threadScratchBytes(stride, 1)), xBuffer(stride * sizeof(float)), qBuffer(stride);
    syntheticActivations(++seed, k, xBuffer.as<float>());
    I8Row row{};
    table.quantize(xBuffer.as<float>(), k, stride, qBuffer.as<int8_t>(), &row);
    for (unsigned threads = 2; threads <= 3; ++threads) {
      std::vector<float> whole(n, std::numeric_limits<float>::quiet_NaN()), dealt(n, std::numeric_limits<float>::quiet_NaN());
      size_t steps = 0;
      for (unsigned t = 0; t < threads; ++t) {
        const RowRange rows = splitRows(n, table.rowTile, t, threads);
        if (rows.begin >= rows.end) continue;
        table.run(dense.as<uint8_t>(), scratch.as<void>(),
                  I8KernelCall{n, k, qBuffer.as<int8_t>(), stride, &row, 1, kSparseScale, whole.data(), rows.begin, rows.end});
        const I8KernelCall call{n, k, qBuffer.as<int8_t>(), stride, &row, 1, kSparseScale, dealt.data(), rows.begin, rows.end};
        size_t front = 0, back = table.gemvSteps(call);
        steps += back;
        for (bool fromFront = true; front < back; fromFront = !fromFront) {
          const size_t take = std::min<size_t>(1 + nextRandom(seed) % 5, back - front);
          if (fromFront) table.gemvRunSteps(dense.as<uint8_t>(), call, front, front + take), front += take;
          else table.gemvRunSteps(dense.as<uint8_t>(), call, back - take, back), back -= take;
        }
      }
      const std::string problem = compareExact(dealt, whole);
      tally.record(problem.empty(), name + " n " + std::to_string(n) + " k " + std::to_string(k) + ", " +
                                        std::to_string(threads) + " threads' rows in " + std::to_string(steps) + " steps" +
                                        (problem.empty() ? " exact vs one run" : ": " + problem));
    }
  }
}

// The batched kernel in runs of rows on one thread's scratch, as the path deals them out:
// the first run lays the activations out, the later ones are told the scratch holds them
// (I8KernelCall::scratchHoldsActivations), against one run over all rows: equal to the bit.
// The scratch starts as garbage, so a run that skipped a needed layout would show.
void checkI8Runs(const Implementation& impl, Tally& tally) {
  const I8KernelTable& table = *impl.i8Table(cpuFeatures());
  const std::string name = std::string(impl.name) + " fused-i8 runs";
  constexpr Shape kRunShapes[] = {{130, 515}, {300, 256}};
  constexpr size_t kRunBatches[] = {33, 64};
  constexpr size_t kRunRows = 64;
  uint64_t seed = 950;
  for (const Shape& shape : kRunShapes) {
    const size_t n = shape.n, k = shape.k;
    const I8TestWeights weights = makeI8TestWeights(table, n, k, ++seed);
    const size_t stride = weights.stride;
    for (size_t batch : kRunBatches) {
      AlignedBuffer scratch(table.threadScratchBytes(stride, batch)), xBuffer(batch * k * sizeof(float)), qBuffer(batch * stride);
      std::memset(scratch.as<void>(), 0x5a, table.threadScratchBytes(stride, batch));
      syntheticActivations(++seed, batch * k, xBuffer.as<float>());
      std::vector<I8Row> rows(batch);
      for (size_t b = 0; b < batch; ++b)
        table.quantize(xBuffer.as<float>() + b * k, k, stride, qBuffer.as<int8_t>() + b * stride, &rows[b]);
      std::vector<float> whole(batch * n, std::numeric_limits<float>::quiet_NaN()), runs(whole);
      auto call = [&](float* y, size_t begin, size_t end) {
        return I8KernelCall{n, k, qBuffer.as<int8_t>(), stride, rows.data(), batch, kSparseScale, y, begin, end};
      };
      size_t count = 0;
      for (size_t begin = 0; begin < n; begin += kRunRows, ++count) {
        I8KernelCall run = call(runs.data(), begin, std::min(n, begin + kRunRows));
        run.scratchHoldsActivations = begin > 0;
        table.run(weights.dense.as<uint8_t>(), scratch.as<void>(), run);
      }
      AlignedBuffer fresh(table.threadScratchBytes(stride, batch));
      table.run(weights.dense.as<uint8_t>(), fresh.as<void>(), call(whole.data(), 0, n));
      const std::string problem = compareExact(runs, whole);
      tally.record(problem.empty(), name + " n " + std::to_string(n) + " k " + std::to_string(k) + " batch " +
                                        std::to_string(batch) + " in " + std::to_string(count) + " runs" +
                                        (problem.empty() ? " exact vs one run" : ": " + problem));
    }
  }
}

// Returns an empty string when prepare throws std::invalid_argument.
std::string prepareRejection(const Implementation& impl, PathKind kind, size_t n, size_t k,
                             const std::vector<uint8_t>& packed, std::string& message) {
  try {
    auto path = makeComputePath(PathConfig{kind, &impl, n, k, 1, 1.0f, true});
    AlignedBuffer prepared(path->preparedBytes());
    path->prepare(packed.data(), prepared.as<uint8_t>());
  } catch (const std::invalid_argument& error) {
    message = error.what();
    return "";
  } catch (const std::exception& error) {
    return std::string("threw something other than std::invalid_argument: ") + error.what();
  }
  return "did not throw";
}

void checkInvalidCodes(const Implementation& impl, PathKind kind, Tally& tally) {
  const size_t n = 5, k = 37;  // 10 bytes per row, the last holding one column and padding
  std::vector<uint8_t> valid(packedBytes(n, k));
  syntheticPackedWeights(99, n, k, valid.data());

  // Code 3 in column 1 of byte 4 of row 2 (column 17), the other columns of that byte zero.
  std::vector<uint8_t> codeThree = valid;
  codeThree[2 * packedRowBytes(k) + 4] = 0x75;  // codes 1, 3, 1, 1
  std::string message;
  std::string problem = prepareRejection(impl, kind, n, k, codeThree, message);
  const std::string name = caseName(impl, kind, n, k);
  tally.record(problem.empty(), name + " code 3 rejected" + (problem.empty() ? ": " + message : " -> " + problem));

  // Padding past column k - 1 must be code 1 (ternary-layout.h).
  std::vector<uint8_t> badPadding = valid;
  badPadding[3 * packedRowBytes(k) + packedRowBytes(k) - 1] = 0x60;  // column 36 = code 1, padding 2, 0, 0
  problem = prepareRejection(impl, kind, n, k, badPadding, message);
  tally.record(problem.empty(), name + " non-zero padding rejected" + (problem.empty() ? ": " + message : " -> " + problem));
}

// Large buffers are mapped on a 2 MiB boundary (for transparent huge pages) and trimmed to
// their size: every byte up to the end is writable, and moving one keeps the mapping.
void checkLargeBuffers(Tally& tally) {
  for (size_t bytes : {AlignedBuffer::kMapThreshold, AlignedBuffer::kMapThreshold + 1, size_t{5} << 21, (size_t{3} << 21) + 4095}) {
    AlignedBuffer buffer(bytes);
    const uintptr_t address = reinterpret_cast<uintptr_t>(buffer.as<uint8_t>());
    std::memset(buffer.as<uint8_t>(), 0x5a, bytes);
    AlignedBuffer moved = std::move(buffer);
    const bool ok = address % (uintptr_t{1} << 21) == 0 && moved.bytes() == bytes &&
                    moved.as<uint8_t>()[bytes - 1] == 0x5a && buffer.as<uint8_t>() == nullptr;
    tally.record(ok, "large buffer of " + std::to_string(bytes) + " bytes: 2 MiB aligned, writable to its end");
  }
}

// The batch-1 kernels' split of a thread's tiles among streams (stream-split.h): an equal
// share, one tile less where the share is a multiple of 64 KiB, never below one tile.
void checkStreamTiles(Tally& tally) {
  struct Case {
    size_t tiles, streams, tileBytes, expected;
  };
  const Case cases[] = {{512, 4, 4096, 127}, {512, 2, 4096, 255}, {768, 3, 4096, 255}, {1023, 3, 4096, 341},
                        {510, 3, 4096, 170}, {1024, 1, 4096, 1024}, {2, 2, 65536, 1}, {5, 3, 65536, 1},
                        {0, 3, 4096, 0},     {512, 4, 4352, 128}};
  for (const Case& c : cases) {
    const size_t got = streamTiles(c.tiles, c.streams, c.tileBytes);
    tally.record(got == c.expected, "streamTiles(" + std::to_string(c.tiles) + ", " + std::to_string(c.streams) +
                                        ", " + std::to_string(c.tileBytes) + ") = " + std::to_string(got) +
                                        ", expected " + std::to_string(c.expected));
  }
}

// Activation top-k (model/activation-sparsity.cc, a radix select) against sorting: every entry
// below the keep-th largest magnitude zeroed, every other one untouched, bit for bit, and the
// zero count it reports exact, over rows of normal values, ties, zeros with tiny or huge
// values, signed zeros, subnormals, values over 120 binades (the select's histogram window
// spans 32), and infinities and NaNs (a NaN ranks above infinity, as the bits of |x| order);
// and rows with exactly one nonzero entry fewer than, as many as and one more than `keep`, on
// either side of the shortcut that leaves a row with few nonzero entries as it is.
void checkTopK(Tally& tally) {
  uint64_t state = 0x9e3779b97f4a7c15u;
  auto next = [&state] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  auto uniform = [&] { return static_cast<float>((next() >> 11) * 0x1.0p-53) * 2.0f - 1.0f; };
  int failures = 0, rows = 0;
  std::string firstFailure;
  auto check = [&](const std::vector<float>& x, double level, const std::string& label) {
    const size_t k = x.size();
    ActivationSparsifier sparsifier({SparsityMode::kTopK, level}, 3000);
    std::vector<float> y = x;
    sparsifier.apply(y.data(), 1, k);
    const size_t keep = static_cast<size_t>(std::ceil(level * static_cast<double>(k)));
    auto magnitudeBits = [](float v) {
      uint32_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      return bits & 0x7fffffffu;
    };
    std::vector<uint32_t> magnitudes(k);
    for (size_t i = 0; i < k; ++i) magnitudes[i] = magnitudeBits(x[i]);
    std::sort(magnitudes.begin(), magnitudes.end(), std::greater<uint32_t>());
    bool ok = true;
    size_t zeros = 0;
    for (size_t i = 0; i < k && ok; ++i) {
      const bool kept = keep >= k || magnitudeBits(x[i]) >= magnitudes[keep - 1];
      ok = kept ? std::memcmp(&x[i], &y[i], sizeof(float)) == 0 : y[i] == 0.0f;
      zeros += y[i] == 0.0f;
    }
    ok = ok && std::llround(sparsifier.zeroFraction() * static_cast<double>(k)) == static_cast<long long>(zeros);
    ++rows;
    if (!ok && failures++ == 0) firstFailure = label + " k=" + std::to_string(k) + " level=" + std::to_string(level);
  };
  const char* kinds[] = {"uniform",      "ties", "zeros and tiny", "huge", "signed zeros and ones", "zeros and subnormals",
                         "wide (2^-60 to 2^60)", "infinities and NaNs"};
  for (int trial = 0; trial < 800; ++trial) {
    const size_t k = 1 + next() % 3000;
    const int kind = trial % 8;
    std::vector<float> x(k);
    for (float& v : x) {
      const float r = uniform();
      switch (kind) {
        case 0: v = r; break;
        case 1: v = std::round(r * 4.0f) / 4.0f; break;
        case 2: v = next() % 3 == 0 ? 0.0f : r * 1e-30f; break;
        case 3: v = r * 1e30f; break;
        case 4: v = next() % 2 ? -0.0f : 1.0f; break;
        case 5: v = next() % 2 ? 0.0f : r * 1e-40f; break;
        case 6: v = std::ldexp(r, static_cast<int>(next() % 121) - 60); break;
        default: {
          const uint64_t pick = next() % 16;
          v = pick == 0 ? std::numeric_limits<float>::quiet_NaN()
              : pick == 1 ? -std::numeric_limits<float>::infinity()
              : pick == 2 ? std::numeric_limits<float>::infinity() : r;
          break;
        }
      }
    }
    check(x, static_cast<double>(1 + next() % 100) / 100.0, kinds[kind]);
  }
  for (const size_t k : {size_t{10}, size_t{300}, size_t{2999}})
    for (const double level : {0.3, 0.7})
      for (const int offset : {-1, 0, 1}) {
        const size_t keep = static_cast<size_t>(std::ceil(level * static_cast<double>(k)));
        std::vector<float> x(k, 0.0f);
        for (size_t i = 0; i < keep + offset; ++i) x[(i * 7) % k] = uniform() + 2.0f;  // 7 and k coprime
        for (size_t i = 1; i < k; i += 2) if (x[i] == 0.0f) x[i] = -0.0f;
        check(x, level, "nonzero entries keep" + std::string(offset < 0 ? " - 1" : offset > 0 ? " + 1" : ""));
      }
  tally.record(failures == 0, "activation top-k: " + std::to_string(rows) + " rows equal to a sorted reference" +
                                  (failures ? " -> " + std::to_string(failures) + " differ, first " + firstFailure : ""));
}

// The greedy pick against std::max_element over rows with ties and every length up to a few
// lanes past the vectorized part.
void checkArgmax(Tally& tally) {
  uint64_t state = 0x2545f4914f6cdd1du;
  auto next = [&state] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  int failures = 0, rows = 0;
  for (size_t n = 1; n <= 300; ++n)
    for (int kind = 0; kind < 3; ++kind) {
      std::vector<float> logits(n);
      for (float& v : logits) v = kind == 0 ? static_cast<float>(next() % 1000) : kind == 1 ? static_cast<float>(next() % 3) : -1.0f;
      const auto expected = std::max_element(logits.begin(), logits.end()) - logits.begin();
      failures += argmaxLogits(logits.data(), n) != expected;
      ++rows;
    }
  tally.record(failures == 0, "argmax: " + std::to_string(rows) + " rows equal to std::max_element" +
                                  (failures ? " -> " + std::to_string(failures) + " differ" : ""));
}

void checkDispatch(Tally& tally) {
  const Implementation& best = bestImplementation();
#if defined(__aarch64__)
  bool neonSupported = false;
  for (const Implementation& impl : allImplementations())
    if (std::string(impl.name) == "neon") neonSupported = isSupported(impl, cpuFeatures());
  tally.record(neonSupported, std::string("dispatch: neon supported on aarch64 = ") + (neonSupported ? "yes" : "no"));
  const bool dotprod = cpuFeatures().has(Feature::kDotprod);
  const std::string expectedBest = dotprod ? "neon-dotprod" : "neon";
  tally.record(std::string(best.name) == expectedBest, std::string("dispatch: best implementation on aarch64 ") +
                                                          (dotprod ? "with" : "without") + " dotprod is " + best.name);
  // neon-dotprod's kernels hold sdot: on a core without it, a clear error instead.
  if (!dotprod) {
    try {
      supportedImplementation("neon-dotprod");
      tally.record(false, "dispatch: forcing neon-dotprod without dotprod did not throw");
    } catch (const IsaUnsupportedError& error) {
      const bool named = std::string(error.what()).find("dotprod") != std::string::npos;
      tally.record(named, std::string("dispatch: forcing neon-dotprod without dotprod throws IsaUnsupportedError: ") +
                              error.what());
    } catch (const std::exception& error) {
      tally.record(false, std::string("dispatch: forcing neon-dotprod threw the wrong type: ") + error.what());
    }
  }
  // x86 ISAs are not built into an Arm binary: a clear error, never a jump into missing code.
  try {
    supportedImplementation("avx2");
    tally.record(false, "dispatch: forcing avx2 on aarch64 did not throw");
  } catch (const IsaUnsupportedError& error) {
    tally.record(true, std::string("dispatch: forcing avx2 on aarch64 throws IsaUnsupportedError: ") + error.what());
  } catch (const std::exception& error) {
    tally.record(false, std::string("dispatch: forcing avx2 on aarch64 threw the wrong type: ") + error.what());
  }
#else
  tally.record(isSupported(best, cpuFeatures()), std::string("dispatch: best implementation ") + best.name + " is supported");
#endif
  try {
    supportedImplementation("no-such-isa");
    tally.record(false, "dispatch: an unknown ISA name did not throw");
  } catch (const std::invalid_argument& error) {
    tally.record(true, std::string("dispatch: an unknown ISA name throws std::invalid_argument: ") + error.what());
  } catch (const std::exception& error) {
    tally.record(false, std::string("dispatch: an unknown ISA name threw the wrong type: ") + error.what());
  }
}

void printPlatform() {
  std::printf("architecture: %s\n", buildArchitecture());
  std::string features;
  for (int f = 0; f < static_cast<int>(Feature::kCount); ++f)
    if (cpuFeatures().has(static_cast<Feature>(f)))
      features += std::string(features.empty() ? "" : " ") + featureName(static_cast<Feature>(f));
  std::printf("features: %s\n", features.empty() ? "(none)" : features.c_str());
  const Implementation& best = bestImplementation();
  for (const Implementation& impl : allImplementations()) {
    std::string missing;
    for (const std::string& m : missingFeatures(impl, cpuFeatures())) missing += (missing.empty() ? "" : ",") + m;
    std::printf("implementation %s compiled=%s supported=%s best=%s missing=%s\n", impl.name,
                impl.compiled ? "yes" : "no", isSupported(impl, cpuFeatures()) ? "yes" : "no",
                &impl == &best ? "yes" : "no", missing.empty() ? "-" : missing.c_str());
  }
  std::fflush(stdout);
}

// One table whatever the CPU: an implementation's i8Table for a variant below.
template <const I8KernelTable& (*Table)()>
const I8KernelTable* fixedTable(const CpuFeatures&) {
  return &Table();
}

// The fused-i8 tables dispatch did not pick for an ISA on this CPU, as implementations of
// their own for the fused-i8 checks: the VNNI and AMX tables with shifts where the CPU has
// GFNI (and the other way round), and every x86 table with the other prefetch choice. Each
// where the CPU could run it.
const std::vector<Implementation>& i8TableVariants() {
  static const std::vector<Implementation> variants = [] {
    std::vector<Implementation> list;
#if defined(BITBENCH_HAVE_X86_KERNELS)
    struct Variant {
      const char* base;
      const char* name;
      bool gfni;
      const I8KernelTable* (*i8Table)(const CpuFeatures&);
    };
    const Variant all[] = {
        {"avx512-vnni", "avx512-vnni (shift planes)", false, fixedTable<avx512VnniI8Table>},
        {"avx512-vnni", "avx512-vnni (shift planes, hardware prefetch)", false, fixedTable<avx512VnniI8HardwarePrefetchTable>},
        {"avx512-vnni", "avx512-vnni (gfni planes)", true, fixedTable<avx512VnniGfniI8Table>},
        {"avx512-vnni", "avx512-vnni (gfni planes, hardware prefetch)", true, fixedTable<avx512VnniGfniI8HardwarePrefetchTable>},
        {"avx512-vnni", "avx512-vnni (scaled planes)", false, fixedTable<avx512VnniScaledI8Table>},
        {"avx512-vnni", "avx512-vnni (scaled planes, hardware prefetch)", false, fixedTable<avx512VnniScaledI8HardwarePrefetchTable>},
        {"avx512", "avx512 (software prefetch)", false, fixedTable<avx512I8Table>},
        {"avx512", "avx512 (hardware prefetch)", false, fixedTable<avx512I8HardwarePrefetchTable>},
        {"avx-vnni", "avx-vnni (software prefetch)", false, fixedTable<avxVnniI8Table>},
        {"avx-vnni", "avx-vnni (hardware prefetch)", false, fixedTable<avxVnniI8HardwarePrefetchTable>},
        {"avx2", "avx2 (software prefetch)", false, fixedTable<avx2I8Table>},
        {"avx2", "avx2 (hardware prefetch)", false, fixedTable<avx2I8HardwarePrefetchTable>},
        {"amx-int8", "amx-int8 (shift planes)", false, fixedTable<amxInt8Table>},
        {"amx-int8", "amx-int8 (gfni planes)", true, fixedTable<amxInt8GfniTable>},
    };
    for (const Variant& v : all) {
      Implementation impl = supportedImplementation("scalar");
      for (const Implementation& candidate : allImplementations())
        if (std::string(candidate.name) == v.base) impl = candidate;
      if (!isSupported(impl, cpuFeatures()) || impl.i8Table(cpuFeatures()) == v.i8Table(cpuFeatures())) continue;
      if (v.gfni && !cpuFeatures().has(Feature::kGfni)) continue;
      impl.name = v.name;
      impl.i8Table = v.i8Table;
      list.push_back(impl);
    }
#endif
    return list;
  }();
  return variants;
}

// Every fused-i8 check, on the kernels impl's table names.
void checkI8Kernels(const Implementation& impl, const Implementation& scalar, Tally& tally) {
  std::printf("fused-i8 kernel of %s: %s\n", impl.name, impl.i8Table(cpuFeatures())->name);
  checkI8Quantize(impl, scalar, tally);
  uint64_t seed = 1;
  for (const Shape& shape : kI8Shapes) checkI8Products(impl, scalar, shape, seed++, tally);
  checkInvalidCodes(impl, PathKind::kFusedI8, tally);
  checkI8DenseRows(impl, scalar, tally);
  checkSparseI8(impl, tally);
  checkStripesI8(impl, tally);
  checkI8Steps(impl, tally);
  checkI8Runs(impl, tally);
}

}  // namespace

int main() {
  printPlatform();
  Tally tally;
  checkDispatch(tally);
  checkLargeBuffers(tally);
  checkTopK(tally);
  checkArgmax(tally);
  checkStreamTiles(tally);
  const Implementation& scalar = supportedImplementation("scalar");
  for (const Implementation& impl : allImplementations()) {
    if (!isSupported(impl, cpuFeatures())) continue;
    for (PathKind kind : kPaths) {
      uint64_t seed = 1;
      for (const Shape& shape : kShapes) checkProducts(impl, kind, shape, seed++, tally);
      checkInvalidCodes(impl, kind, tally);
      checkGroup(impl, kind, tally);
    }
    std::printf("fused kernel of %s: %s\n", impl.name, impl.table(cpuFeatures())->fusedKernelName);
    checkSparseFused(impl, tally);
    checkI8Kernels(impl, scalar, tally);
  }
  for (const Implementation& variant : i8TableVariants()) checkI8Kernels(variant, scalar, tally);
  std::printf("%d passed, %d failed\n", tally.passed, tally.failed);
  return tally.failed == 0 ? 0 : 1;
}
