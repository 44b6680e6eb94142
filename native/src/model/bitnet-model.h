// The BitNet b1.58 decoder: embedding; per layer RMSNorm, ternary Q/K/V projections, RoPE,
// grouped-query attention over the KV cache, attention sub-norm, O projection, residual,
// RMSNorm, ternary gate/up, squared ReLU, FFN sub-norm, down projection, residual; final
// norm; LM head tied to the embedding (bf16, or an int8 copy). Every ternary linear layer
// runs on the chosen compute path; all of them share one workspace.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "../kernels/i8-kernel-table.h"
#include "../runtime/aligned-buffer.h"
#include "attention.h"
#include "kv-cache.h"
#include "model-spec.h"

namespace bitbench {

// One token of one sequence in a forward pass.
struct TokenRow {
  int32_t token;
  size_t sequence;
  size_t position;
};

class BitNetModel {
 public:
  // Builds the synthetic weights (in parallel on spec.threads) and allocates everything a
  // run needs: what estimateBytes() predicts.
  explicit BitNetModel(const ModelSpec& spec);
  ~BitNetModel();

  // Bytes the constructor and forward passes allocate, without allocating them.
  static size_t estimateBytes(const ModelSpec& spec);

  // Runs rows (at most maxSequences * maxPromptTokens), storing their keys and values;
  // rows of one sequence must come in position order, and positions before them must be in
  // the cache. Writes logits (vocab floats) for each row whose `logitRows` flag is set, in
  // row order; with logitRows null, for every row.
  void forward(const TokenRow* rows, size_t count, const bool* logitRows, float* logits);

  // Bytes of weights one decode step reads (all layers, the LM head and `sequences`
  // embedding rows), and of KV cache to attend over `positions` for `sequences` sequences.
  size_t weightBytesPerStep(size_t sequences) const;
  size_t kvBytesPerStep(size_t sequences, size_t positions) const;
  // Bytes the KV cache of one sequence holds at `positions` positions (all layers).
  size_t kvBytesPerSequence(size_t positions) const;

  // Where forward passes spent their time since the last reset, in nanoseconds: attention
  // (every layer), the ternary projections (their calls: quantization and kernels, the
  // threads' meetings included) and the LM head. What is left of a step is the rest: norms,
  // RoPE, the KV writes, activation sparsity's selection, residual adds, the embedding.
  struct StepTimes {
    double attentionNs = 0;
    double projectionNs = 0;
    double lmHeadNs = 0;
  };
  const StepTimes& stepTimes() const { return stepTimes_; }
  void resetStepTimes() { stepTimes_ = {}; }
  // While on (and the spec keeps a bf16 reference cache), each layer's attention also runs
  // over the reference, untimed, and the smallest cosine between the two outputs is kept.
  // With attention sparsity it also runs dense attention over the same cache and keeps the
  // smallest cosine of the sparse output against it.
  void setKvQualityPass(bool on) {
    kvQualityPass_ = on && kvReference_ != nullptr;
    attentionQualityPass_ = on && !denseAttention_.empty();
  }
  double kvCosineMin() const { return kvCosineMin_; }
  double attentionCosineMin() const { return attentionCosineMin_; }
  // Attention sparsity outside quality passes since the last reset: (head, position) pairs
  // kept and attendable.
  AttentionCounts attentionCounts() const { return attentionCounts_; }
  void resetAttentionCounts() { attentionCounts_ = {}; }
  // Fills positions sourcePositions .. end-1 of every sequence by tiling the first
  // sourcePositions (see kv-fill.h).
  void fillKvTiled(size_t sourcePositions, size_t end);
  const char* attentionKernelName() const { return attentionKernels_->name; }

  const ModelSpec& spec() const { return spec_; }
  double buildNs() const { return buildNs_; }
  std::string kernelName() const;

  // Activation sparsity (spec.sparsity). Off: the same weights run densely on unmasked
  // inputs, the comparison the benchmark interleaves with the sparse steps.
  void setSparsity(bool on);
  // Since the last reset: mean fraction of ternary-layer inputs zeroed, and over the calls that
  // could run a sparse kernel, the mean all-zero block fraction and the share that ran it.
  struct SparsityFigures {
    double zeroFraction = 0;
    double zeroBlockFraction = 0;
    double sparseCallFraction = 0;
  };
  SparsityFigures sparsityFigures() const;
  void resetSparsityFigures();

 private:
  struct Linear;
  struct Layer;
  struct Activations;

  void embed(const TokenRow* rows, size_t count, float* x) const;
  void attend(size_t layer, const TokenRow* rows, size_t count, const float* q, float* out);
  void storeKv(size_t layer, const TokenRow& row, const float* key, const float* value);
  void lmHead(const float* normed, size_t count, float* logits);
  void lmHeadI8(const I8KernelTable& i8, const float* normed, size_t count, float* logits);
  void sparsify(float* x, size_t rows, size_t k);

  ModelSpec spec_;
  size_t maxRows_;
  size_t hiddenStride_;
  std::shared_ptr<Workspace> workspace_;
  std::vector<Layer> layers_;
  std::vector<float> finalNorm_;
  AlignedBuffer embedding_;      // bf16, vocab x hiddenStride
  AlignedBuffer lmHeadInt8_;     // int8 copy, when spec.lmHead == kInt8
  AlignedBuffer lmHeadScales_;
  std::unique_ptr<KvCache> kv_;
  std::unique_ptr<KvCache> kvReference_;  // bf16, when spec.kvReference and kv is not bf16
  const AttentionKernels* attentionKernels_ = nullptr;
  std::unique_ptr<AttentionScratch> attentionScratch_;
  std::vector<float> referenceAttention_;
  std::vector<AttentionRow> attentionRows_;  // maxRows, so a step allocates nothing
  StepTimes stepTimes_;
  bool kvQualityPass_ = false;
  double kvCosineMin_ = 1;
  std::vector<float> denseAttention_;  // maxRows x hidden, when spec.attentionSparsity is on
  bool attentionQualityPass_ = false;
  double attentionCosineMin_ = 1;
  AttentionCounts attentionCounts_;
  std::unique_ptr<Activations> activations_;
  double buildNs_ = 0;
  std::unique_ptr<ActivationSparsifier> sparsifier_;
  bool sparsityOn_ = true;
};

}  // namespace bitbench
