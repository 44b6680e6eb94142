#include "bitnet-model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <stdexcept>

#include "../kernels/ternary-layout.h"
#include "../runtime/thread-pool.h"
#include "kv-fill.h"
#include "synthetic-model.h"

namespace bitbench {

namespace {

double nsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
}

// From this many rows on, the per-row work between the projections (norms, RoPE and the cache
// store, residual adds, the squared ReLU) is split over the pool's threads: at batch 32 it
// took 4% of a 2B-4T decode step on the calling thread alone. Fewer rows stay there, where a
// pool call would cost more than it saves.
constexpr size_t kParallelRowsFrom = 8;

void forEachRow(size_t count, unsigned threads, const std::function<void(size_t)>& work) {
  if (count < kParallelRowsFrom || threads <= 1) {
    for (size_t r = 0; r < count; ++r) work(r);
    return;
  }
  ThreadPool::shared().parallel(threads, [&](unsigned index, unsigned used) {
    const RowRange range = splitRows(count, 1, index, used);
    for (size_t r = range.begin; r < range.end; ++r) work(r);
  });
}

constexpr int kInputNorm = 0, kAttentionSubNorm = 1, kPostAttentionNorm = 2, kFfnSubNorm = 3;

// What this marks runs from an AVX2 copy where an x86 CPU has AVX2 (GCC's target_clones,
// picked once at load): this unit is built for the baseline ISA, where rmsNorm's double sums
// and scaling go two and four lanes at a time. The same operations in the same order, so the
// results are the same bits.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define BITBENCH_AVX2_CLONE __attribute__((target_clones("avx2", "default")))
#else
#define BITBENCH_AVX2_CLONE
#endif

// Eight independent partial sums: one running sum is a chain of dependent double adds (four
// cycles each), which made the four norms of a 2B-4T layer cost more than its K projection.
BITBENCH_AVX2_CLONE void rmsNorm(const float* x, const float* weight, size_t size, float eps, float* out) {
  double partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= size; i += 8)
    for (size_t j = 0; j < 8; ++j) partial[j] += static_cast<double>(x[i + j]) * x[i + j];
  for (; i < size; ++i) partial[0] += static_cast<double>(x[i]) * x[i];
  const double squares = ((partial[0] + partial[1]) + (partial[2] + partial[3])) +
                         ((partial[4] + partial[5]) + (partial[6] + partial[7]));
  const float inverse = 1.0f / std::sqrt(static_cast<float>(squares / static_cast<double>(size)) + eps);
  for (i = 0; i < size; ++i) out[i] = x[i] * inverse * weight[i];
}

// The squared ReLU gate, gate = max(gate, 0)^2 * up, elementwise (NaN and -0.0 give +0.0, as
// `gate > 0 ? gate : 0` does). Four lanes at a time through GCC's vector extension, for x86
// and Arm alike: as a plain loop GCC 12 kept it scalar with a branch per element ("control
// flow in loop": the compare may trap), mispredicted on about half of them; 2B-4T at batch
// 32 on Zen 5, that was a tenth of the decode step.
void squaredReluGate(float* gate, const float* up, size_t size) {
  using Float4 = float __attribute__((vector_size(16)));
  size_t i = 0;
  for (; i + 4 <= size; i += 4) {
    Float4 g, u;
    std::memcpy(&g, gate + i, sizeof g);
    std::memcpy(&u, up + i, sizeof u);
    const Float4 zero = {0.0f, 0.0f, 0.0f, 0.0f};
    const Float4 relu = g > zero ? g : zero;
    const Float4 out = relu * relu * u;
    std::memcpy(gate + i, &out, sizeof out);
  }
  for (; i < size; ++i) {
    const float relu = gate[i] > 0 ? gate[i] : 0.0f;
    gate[i] = relu * relu * up[i];
  }
}

// cos and sin of position * theta^(-2i/d) for i < d/2: what rotate-half RoPE turns pair
// (i, i + d/2) of every head by. Computed once per row and forward pass, not per layer.
void ropeAngles(size_t headDim, size_t position, float theta, float* cosines, float* sines) {
  const size_t half = headDim / 2;
  for (size_t i = 0; i < half; ++i) {
    const double frequency = std::pow(static_cast<double>(theta), -2.0 * static_cast<double>(i) / static_cast<double>(headDim));
    const double angle = static_cast<double>(position) * frequency;
    cosines[i] = static_cast<float>(std::cos(angle));
    sines[i] = static_cast<float>(std::sin(angle));
  }
}

void applyRope(float* vector, size_t heads, size_t headDim, const float* cosines, const float* sines) {
  const size_t half = headDim / 2;
  for (size_t h = 0; h < heads; ++h) {
    float* v = vector + h * headDim;
    for (size_t i = 0; i < half; ++i) {
      const float a = v[i], b = v[i + half];
      v[i] = a * cosines[i] - b * sines[i];
      v[i + half] = b * cosines[i] + a * sines[i];
    }
  }
}

float bf16ToFloat(uint16_t bits) {
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof value);
  return value;
}

size_t maxRowsOf(const ModelSpec& spec) {
  return std::max(spec.maxSequences * spec.maxPromptTokens, spec.maxSequences);
}

PathConfig projectionConfig(const ModelSpec& spec, Projection projection, size_t maxRows,
                            std::shared_ptr<Workspace> workspace) {
  const ProjectionShape shape = projectionShape(spec.dims, projection);
  return {spec.path,  spec.implementation, shape.n, shape.k, maxRows, 1.0f, spec.useBlas, std::move(workspace),
          spec.sparsity.mode != SparsityMode::kNone};
}

}  // namespace

struct BitNetModel::Linear {
  std::unique_ptr<ComputePath> path;
  AlignedBuffer weights;
  void run(const float* x, size_t batch, float* y, unsigned threads) {
    path->run(weights.as<uint8_t>(), x, batch, y, threads);
  }
  ComputePath::GroupMember into(float* y) { return {path.get(), weights.as<uint8_t>(), y}; }
};

struct BitNetModel::Layer {
  Linear projections[kProjections];
  std::vector<float> norms[4];
};

// Every buffer a forward pass uses, sized once for maxRows rows: a timed decode step
// allocates nothing.
struct BitNetModel::Activations {
  std::vector<float> x, normed, q, k, v, attention, projected, gate, up, cosines, sines;

  Activations(const ModelDims& d, size_t rows)
      : x(rows * d.hidden),
        normed(rows * d.hidden),
        q(rows * d.hidden),
        k(rows * d.kvHeads * d.headDim),
        v(rows * d.kvHeads * d.headDim),
        attention(rows * d.hidden),
        projected(rows * d.hidden),
        gate(rows * d.ffn),
        up(rows * d.ffn),
        cosines(rows * d.headDim / 2),
        sines(rows * d.headDim / 2) {}
};

BitNetModel::~BitNetModel() = default;

BitNetModel::BitNetModel(const ModelSpec& spec)
    : spec_(spec),
      maxRows_(maxRowsOf(spec)),
      hiddenStride_(roundUp(spec.dims.hidden, 32)),
      workspace_(std::make_shared<Workspace>()) {
  checkModelDims(spec.dims);
  const auto start = std::chrono::steady_clock::now();
  const ModelDims& d = spec.dims;
  ThreadPool& pool = ThreadPool::shared();

  layers_.resize(d.layers);
  for (size_t l = 0; l < d.layers; ++l)
    for (int p = 0; p < kProjections; ++p) {
      Linear& linear = layers_[l].projections[p];
      linear.path = makeComputePath(projectionConfig(spec, static_cast<Projection>(p), maxRows_, workspace_));
      linear.weights = AlignedBuffer(linear.path->preparedBytes());
    }

  // Tensors are independent: each thread generates and prepares its share.
  const size_t tensors = d.layers * kProjections;
  pool.parallel(spec.threads, [&](unsigned index, unsigned count) {
    for (size_t t = index; t < tensors; t += count) {
      const size_t l = t / kProjections;
      const Projection p = static_cast<Projection>(t % kProjections);
      float scale = 1.0f;
      const std::vector<uint8_t> packed = syntheticProjection(spec.seed, l, p, d, &scale);
      Linear& linear = layers_[l].projections[static_cast<int>(p)];
      linear.path->setScale(scale);
      linear.path->prepare(packed.data(), linear.weights.as<uint8_t>());
    }
  });
  for (size_t l = 0; l < d.layers; ++l) {
    layers_[l].norms[kInputNorm] = syntheticNorm(spec.seed, l, kInputNorm, d.hidden);
    layers_[l].norms[kAttentionSubNorm] = syntheticNorm(spec.seed, l, kAttentionSubNorm, d.hidden);
    layers_[l].norms[kPostAttentionNorm] = syntheticNorm(spec.seed, l, kPostAttentionNorm, d.hidden);
    layers_[l].norms[kFfnSubNorm] = syntheticNorm(spec.seed, l, kFfnSubNorm, d.ffn);
  }
  finalNorm_ = syntheticNorm(spec.seed, d.layers, 0, d.hidden);

  embedding_ = AlignedBuffer(d.vocab * hiddenStride_ * sizeof(uint16_t));
  if (spec.lmHead == LmHeadDtype::kInt8) {
    lmHeadInt8_ = AlignedBuffer(d.vocab * hiddenStride_);
    lmHeadScales_ = AlignedBuffer(d.vocab * sizeof(float));
  }
  pool.parallel(spec.threads, [&](unsigned index, unsigned count) {
    const RowRange rows = splitRows(d.vocab, 64, index, count);
    uint16_t* table = embedding_.as<uint16_t>();
    syntheticEmbeddingRows(spec.seed, d, hiddenStride_, rows.begin, rows.end, table + rows.begin * hiddenStride_);
    if (spec.lmHead != LmHeadDtype::kInt8) return;
    // The int8 head: the same rows, absmax-quantized with one scale per row.
    for (size_t row = rows.begin; row < rows.end; ++row) {
      const uint16_t* src = table + row * hiddenStride_;
      float absmax = 0;
      // A plain compare: GCC 12 for AArch64 crashes vectorizing an fmax reduction here.
      for (size_t i = 0; i < d.hidden; ++i) {
        const float magnitude = std::fabs(bf16ToFloat(src[i]));
        if (magnitude > absmax) absmax = magnitude;
      }
      const float scale = absmax > 0 ? absmax / 127.0f : 1.0f;
      lmHeadScales_.as<float>()[row] = scale;
      int8_t* dst = lmHeadInt8_.as<int8_t>() + row * hiddenStride_;
      for (size_t i = 0; i < hiddenStride_; ++i)
        dst[i] = i < d.hidden ? static_cast<int8_t>(std::lrint(bf16ToFloat(src[i]) / scale)) : 0;
    }
  });
  kv_ = std::make_unique<KvCache>(d, spec.kv, spec.maxSequences, spec.maxPositions);
  if (spec.kvReference && spec.kv != KvDtype::kBf16) {
    kvReference_ = std::make_unique<KvCache>(d, KvDtype::kBf16, spec.maxSequences, spec.maxPositions);
    referenceAttention_.resize(maxRows_ * d.hidden);
  }
  if (spec.attentionSparsity.mode != AttentionSparsityMode::kNone) denseAttention_.resize(maxRows_ * d.hidden);
  attentionKernels_ = &attentionKernelsFor(spec.implementation);
  attentionRows_.resize(maxRows_);
  attentionScratch_ = std::make_unique<AttentionScratch>(d, spec.maxPositions, spec.threads);
  activations_ = std::make_unique<Activations>(d, maxRows_);
  if (spec.sparsity.mode != SparsityMode::kNone)
    sparsifier_ = std::make_unique<ActivationSparsifier>(spec.sparsity, std::max(d.hidden, d.ffn),
                                                         layers_.front().projections[0].path->sparseBlockColumns());
  buildNs_ = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
}

size_t BitNetModel::estimateBytes(const ModelSpec& spec) {
  checkModelDims(spec.dims);
  const ModelDims& d = spec.dims;
  const size_t maxRows = maxRowsOf(spec);
  const size_t hiddenStride = roundUp(d.hidden, 32);
  auto workspace = std::make_shared<Workspace>();
  size_t weights = 0, largestPacked = 0, largestDense = 0, largestStride = 0, largestScratch = 0;
  for (int p = 0; p < kProjections; ++p) {
    const std::unique_ptr<ComputePath> path =
        makeComputePath(projectionConfig(spec, static_cast<Projection>(p), maxRows, workspace));
    const ProjectionShape shape = projectionShape(d, static_cast<Projection>(p));
    weights += d.layers * (path->preparedBytes() + path->ownBytes(spec.threads));
    largestPacked = std::max(largestPacked, packedBytes(shape.n, shape.k));
    largestDense = std::max(largestDense, shape.n * path->kStride() * sizeof(float));
    largestStride = std::max(largestStride, path->kStride());
    largestScratch = std::max(largestScratch, path->threadScratchBytes(maxRows));
  }
  size_t total = weights;
  total += spec.threads * largestPacked;                               // packed tensors while building
  total += d.vocab * hiddenStride * sizeof(uint16_t);                  // embedding (and bf16 head)
  if (spec.lmHead == LmHeadDtype::kInt8) total += d.vocab * (hiddenStride + sizeof(float));
  total += KvCache::bytesFor(d, spec.kv, spec.maxSequences, spec.maxPositions);
  if (spec.kvReference && spec.kv != KvDtype::kBf16)  // the bf16 reference and its outputs
    total += KvCache::bytesFor(d, KvDtype::kBf16, spec.maxSequences, spec.maxPositions) + maxRows * d.hidden * sizeof(float);
  total += AttentionScratch::bytesFor(d, spec.maxPositions, spec.threads);
  if (spec.attentionSparsity.mode != AttentionSparsityMode::kNone) total += maxRows * d.hidden * sizeof(float);
  total += maxRows * (6 * d.hidden + 3 * d.ffn + 2 * d.kvHeads * d.headDim + d.headDim) * sizeof(float);  // activations, RoPE angles
  total += maxRows * d.vocab * sizeof(float);                          // logits
  total += maxRows * largestStride * (sizeof(float) + sizeof(uint16_t));  // padded activations
  if (spec.path == PathKind::kBaseline) total += largestDense;         // dequantized weights
  // Per-thread scratch: what the paths ask for (AVX2's fp32 tables of four activation rows,
  // 77 bytes a column), and never less than the 64 bytes a column allowed before they said.
  total += spec.threads * std::max(largestStride * 64, largestScratch);
  return total;
}

std::string BitNetModel::kernelName() const { return layers_.front().projections[0].path->kernelName(); }

void BitNetModel::sparsify(float* x, size_t rows, size_t k) {
  if (sparsifier_ && sparsityOn_) sparsifier_->apply(x, rows, k);
}

void BitNetModel::setSparsity(bool on) {
  sparsityOn_ = on;
  for (Layer& layer : layers_)
    for (Linear& linear : layer.projections) linear.path->setSparseAllowed(on);
}

BitNetModel::SparsityFigures BitNetModel::sparsityFigures() const {
  SparsityFigures figures;
  if (!sparsifier_) return figures;
  figures.zeroFraction = sparsifier_->zeroFraction();
  SparsityCounters total;
  for (const Layer& layer : layers_)
    for (const Linear& linear : layer.projections) {
      const SparsityCounters& c = linear.path->sparsity();
      total.calls += c.calls, total.sparseCalls += c.sparseCalls, total.zeroBlocks += c.zeroBlocks;
    }
  if (total.calls > 0) {
    figures.zeroBlockFraction = total.zeroBlocks / static_cast<double>(total.calls);
    figures.sparseCallFraction = static_cast<double>(total.sparseCalls) / static_cast<double>(total.calls);
  }
  return figures;
}

void BitNetModel::resetSparsityFigures() {
  if (sparsifier_) sparsifier_->resetCounters();
  for (Layer& layer : layers_)
    for (Linear& linear : layer.projections) linear.path->resetSparsity();
}

void BitNetModel::embed(const TokenRow* rows, size_t count, float* x) const {
  const size_t hidden = spec_.dims.hidden;
  for (size_t r = 0; r < count; ++r) {
    const uint16_t* src = embedding_.as<uint16_t>() + static_cast<size_t>(rows[r].token) * hiddenStride_;
    for (size_t i = 0; i < hidden; ++i) x[r * hidden + i] = bf16ToFloat(src[i]);
  }
}

namespace {
double outputCosine(const float* a, const float* b, size_t n) {
  double dot = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < n; ++i) dot += double{a[i]} * b[i], aa += double{a[i]} * a[i], bb += double{b[i]} * b[i];
  return aa > 0 && bb > 0 ? dot / std::sqrt(aa * bb) : (aa == bb ? 1.0 : 0.0);
}
}  // namespace

void BitNetModel::attend(size_t layer, const TokenRow* rows, size_t count, const float* q, float* out) {
  const ModelDims& d = spec_.dims;
  const AttentionSparsity& sparsity = spec_.attentionSparsity;
  for (size_t r = 0; r < count; ++r) attentionRows_[r] = {rows[r].sequence, rows[r].position};
  const auto start = std::chrono::steady_clock::now();
  const AttentionCounts counts = attendRows(*kv_, *attentionKernels_, d, layer, attentionRows_.data(), count, q, out,
                                            spec_.threads, *attentionScratch_, sparsity);
  stepTimes_.attentionNs += nsSince(start);
  if (!kvQualityPass_ && !attentionQualityPass_) {
    attentionCounts_.kept += counts.kept, attentionCounts_.total += counts.total;
    return;
  }
  if (kvQualityPass_) {
    // The same queries over the bf16 reference: how far the cache format moved each output.
    float* reference = referenceAttention_.data();
    attendRows(*kvReference_, *attentionKernels_, d, layer, attentionRows_.data(), count, q, reference, spec_.threads,
               *attentionScratch_, sparsity);
    for (size_t r = 0; r < count; ++r)
      kvCosineMin_ = std::min(kvCosineMin_, outputCosine(out + r * d.hidden, reference + r * d.hidden, d.hidden));
  }
  if (attentionQualityPass_) {
    // Dense attention over the same cache: what the sparsity mode dropped.
    float* dense = denseAttention_.data();
    attendRows(*kv_, *attentionKernels_, d, layer, attentionRows_.data(), count, q, dense, spec_.threads,
               *attentionScratch_);
    for (size_t r = 0; r < count; ++r)
      attentionCosineMin_ = std::min(attentionCosineMin_, outputCosine(out + r * d.hidden, dense + r * d.hidden, d.hidden));
  }
}

void BitNetModel::storeKv(size_t layer, const TokenRow& row, const float* key, const float* value) {
  kv_->store(layer, row.sequence, row.position, key, value);
  if (kvReference_) kvReference_->store(layer, row.sequence, row.position, key, value);
}

void BitNetModel::fillKvTiled(size_t sourcePositions, size_t end) {
  KvCache* targets[2] = {kv_.get(), kvReference_.get()};
  const KvCache& source = kvReference_ ? *kvReference_ : *kv_;
  bitbench::fillKvTiled(source, targets, kvReference_ ? 2 : 1, spec_.dims, spec_.maxSequences, sourcePositions,
               std::min(end, spec_.maxPositions), spec_.threads);
}

void BitNetModel::lmHead(const float* normed, size_t count, float* logits) {
  const ModelDims& d = spec_.dims;
  if (spec_.lmHead == LmHeadDtype::kInt8 && spec_.path == PathKind::kFusedI8) {
    const I8KernelTable& i8 = *spec_.implementation->i8Table(cpuFeatures());
    if (i8.denseRows) return lmHeadI8(i8, normed, count, logits);
  }
  const KernelTable& table = *spec_.implementation->table(cpuFeatures());
  float* padded = static_cast<float*>(workspace_->get(Workspace::kPaddedActivations, count * hiddenStride_ * sizeof(float)));
  for (size_t r = 0; r < count; ++r) {
    std::memcpy(padded + r * hiddenStride_, normed + r * d.hidden, d.hidden * sizeof(float));
    std::fill(padded + r * hiddenStride_ + d.hidden, padded + (r + 1) * hiddenStride_, 0.0f);
  }
  uint16_t* paddedBf16 = nullptr;
  if (spec_.lmHead == LmHeadDtype::kBf16 && table.denseBf16ReadsBf16Activations) {
    paddedBf16 = static_cast<uint16_t*>(workspace_->get(Workspace::kBf16Activations, count * hiddenStride_ * sizeof(uint16_t)));
    for (size_t i = 0; i < count * hiddenStride_; ++i) paddedBf16[i] = floatToBf16(padded[i]);
  }
  const KernelCall base{d.vocab, d.hidden, padded, hiddenStride_, count, 1.0f, logits, 0, d.vocab};
  ThreadPool::shared().parallel(spec_.threads, [&](unsigned index, unsigned threads) {
    const RowRange rows = splitRows(d.vocab, 16, index, threads);
    if (rows.begin >= rows.end) return;
    KernelCall call = base;
    call.rowBegin = rows.begin;
    call.rowEnd = rows.end;
    if (spec_.lmHead == LmHeadDtype::kInt8)
      table.denseI8Run(lmHeadInt8_.as<int8_t>(), lmHeadScales_.as<float>(), hiddenStride_, call);
    else
      table.denseBf16Run(embedding_.as<uint16_t>(), hiddenStride_, paddedBf16, call);
  });
}

// The int8 head on the fused-i8 path: int8 activations times int8 weights, as the ternary
// layers compute.
void BitNetModel::lmHeadI8(const I8KernelTable& i8, const float* normed, size_t count, float* logits) {
  const ModelDims& d = spec_.dims;
  int8_t* q = static_cast<int8_t*>(workspace_->get(Workspace::kI8Activations, count * hiddenStride_));
  I8Row* rows = static_cast<I8Row*>(workspace_->get(Workspace::kI8Rows, count * sizeof(I8Row)));
  for (size_t r = 0; r < count; ++r) i8.quantize(normed + r * d.hidden, d.hidden, hiddenStride_, q + r * hiddenStride_, rows + r);
  const I8KernelCall base{d.vocab, d.hidden, q, hiddenStride_, rows, count, 1.0f, logits, 0, d.vocab};
  ThreadPool::shared().parallel(spec_.threads, [&](unsigned index, unsigned threads) {
    const RowRange range = splitRows(d.vocab, 16, index, threads);
    if (range.begin >= range.end) return;
    I8KernelCall call = base;
    call.rowBegin = range.begin;
    call.rowEnd = range.end;
    i8.denseRows(lmHeadInt8_.as<int8_t>(), lmHeadScales_.as<float>(), call);
  });
}

void BitNetModel::forward(const TokenRow* rows, size_t count, const bool* logitRows, float* logits) {
  const ModelDims& d = spec_.dims;
  if (count == 0) return;
  if (count > maxRows_) throw std::invalid_argument("forward: more rows than the model was built for");
  for (size_t r = 0; r < count; ++r) {
    if (rows[r].token < 0 || static_cast<size_t>(rows[r].token) >= d.vocab)
      throw std::invalid_argument("forward: token " + std::to_string(rows[r].token) + " is outside the vocabulary");
    if (rows[r].sequence >= spec_.maxSequences || rows[r].position >= spec_.maxPositions)
      throw std::invalid_argument("forward: sequence or position outside what the model was built for");
  }
  const size_t kvWidth = d.kvHeads * d.headDim;
  const size_t half = d.headDim / 2;
  Activations& a = *activations_;
  std::vector<float>&x = a.x, &normed = a.normed, &q = a.q, &k = a.k, &v = a.v, &attention = a.attention,
                      &projected = a.projected, &gate = a.gate, &up = a.up;
  for (size_t r = 0; r < count; ++r)
    ropeAngles(d.headDim, rows[r].position, d.ropeTheta, &a.cosines[r * half], &a.sines[r * half]);
  embed(rows, count, x.data());
  const unsigned threads = spec_.threads;
  for (size_t l = 0; l < d.layers; ++l) {
    Layer& layer = layers_[l];
    forEachRow(count, threads, [&](size_t r) {
      rmsNorm(&x[r * d.hidden], layer.norms[kInputNorm].data(), d.hidden, d.rmsEps, &normed[r * d.hidden]);
    });
    sparsify(normed.data(), count, d.hidden);
    // Q, K and V in one parallel call (the threads meet once), as are gate and up below.
    const ComputePath::GroupMember qkv[] = {layer.projections[static_cast<int>(Projection::kQ)].into(q.data()),
                                            layer.projections[static_cast<int>(Projection::kK)].into(k.data()),
                                            layer.projections[static_cast<int>(Projection::kV)].into(v.data())};
    auto projectionStart = std::chrono::steady_clock::now();
    ComputePath::runGroup(qkv, 3, normed.data(), count, threads);
    stepTimes_.projectionNs += nsSince(projectionStart);
    // Each row stores its own (sequence, position) slots of the cache.
    forEachRow(count, threads, [&](size_t r) {
      applyRope(&q[r * d.hidden], d.heads, d.headDim, &a.cosines[r * half], &a.sines[r * half]);
      applyRope(&k[r * kvWidth], d.kvHeads, d.headDim, &a.cosines[r * half], &a.sines[r * half]);
      storeKv(l, rows[r], &k[r * kvWidth], &v[r * kvWidth]);
    });
    attend(l, rows, count, q.data(), attention.data());
    forEachRow(count, threads, [&](size_t r) {
      rmsNorm(&attention[r * d.hidden], layer.norms[kAttentionSubNorm].data(), d.hidden, d.rmsEps, &normed[r * d.hidden]);
    });
    sparsify(normed.data(), count, d.hidden);
    projectionStart = std::chrono::steady_clock::now();
    layer.projections[static_cast<int>(Projection::kO)].run(normed.data(), count, projected.data(), threads);
    stepTimes_.projectionNs += nsSince(projectionStart);
    forEachRow(count, threads, [&](size_t r) {
      for (size_t i = r * d.hidden; i < (r + 1) * d.hidden; ++i) x[i] += projected[i];
      rmsNorm(&x[r * d.hidden], layer.norms[kPostAttentionNorm].data(), d.hidden, d.rmsEps, &normed[r * d.hidden]);
    });
    sparsify(normed.data(), count, d.hidden);
    const ComputePath::GroupMember gateUp[] = {layer.projections[static_cast<int>(Projection::kGate)].into(gate.data()),
                                               layer.projections[static_cast<int>(Projection::kUp)].into(up.data())};
    projectionStart = std::chrono::steady_clock::now();
    ComputePath::runGroup(gateUp, 2, normed.data(), count, threads);
    stepTimes_.projectionNs += nsSince(projectionStart);
    forEachRow(count, threads, [&](size_t r) {
      squaredReluGate(&gate[r * d.ffn], &up[r * d.ffn], d.ffn);
      rmsNorm(&gate[r * d.ffn], layer.norms[kFfnSubNorm].data(), d.ffn, d.rmsEps, &up[r * d.ffn]);
    });
    sparsify(up.data(), count, d.ffn);
    projectionStart = std::chrono::steady_clock::now();
    layer.projections[static_cast<int>(Projection::kDown)].run(up.data(), count, projected.data(), threads);
    stepTimes_.projectionNs += nsSince(projectionStart);
    forEachRow(count, threads, [&](size_t r) {
      for (size_t i = r * d.hidden; i < (r + 1) * d.hidden; ++i) x[i] += projected[i];
    });
  }
  size_t outRows = 0;
  for (size_t r = 0; r < count; ++r) {
    if (logitRows && !logitRows[r]) continue;
    rmsNorm(&x[r * d.hidden], finalNorm_.data(), d.hidden, d.rmsEps, &normed[outRows * d.hidden]);
    ++outRows;
  }
  const auto headStart = std::chrono::steady_clock::now();
  lmHead(normed.data(), outRows, logits);
  stepTimes_.lmHeadNs += nsSince(headStart);
}

size_t BitNetModel::weightBytesPerStep(size_t sequences) const {
  size_t total = 0;
  for (const Layer& layer : layers_)
    for (const Linear& linear : layer.projections) total += linear.path->readBytes();
  const size_t head = spec_.lmHead == LmHeadDtype::kInt8 ? spec_.dims.vocab * (hiddenStride_ + sizeof(float))
                                                         : spec_.dims.vocab * hiddenStride_ * sizeof(uint16_t);
  return total + head + sequences * hiddenStride_ * sizeof(uint16_t);
}

size_t BitNetModel::kvBytesPerSequence(size_t positions) const {
  return KvCache::bytesFor(spec_.dims, spec_.kv, 1, positions);
}

size_t BitNetModel::kvBytesPerStep(size_t sequences, size_t positions) const {
  return spec_.dims.layers * sequences * kv_->bytesPerLayerRead(positions);
}

}  // namespace bitbench
