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

  const ModelSpec& spec() const { return spec_; }
  double buildNs() const { return buildNs_; }
  std::string kernelName() const;

 private:
  struct Linear;
  struct Layer;
  struct Activations;

  void embed(const TokenRow* rows, size_t count, float* x) const;
  void attend(size_t layer, const TokenRow* rows, size_t count, const float* q, float* out);
  void lmHead(const float* normed, size_t count, float* logits);
  void lmHeadI8(const I8KernelTable& i8, const float* normed, size_t count, float* logits);

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
  std::unique_ptr<Activations> activations_;
  double buildNs_ = 0;
};

}  // namespace bitbench
