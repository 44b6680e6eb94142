// What a model run is: dimensions (a preset or a Hugging Face config, validated in
// TypeScript), the compute path every ternary linear layer uses, and the run's limits.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "../paths/compute-path.h"
#include "activation-sparsity.h"
#include "attention-sparsity.h"

namespace bitbench {

struct ModelDims {
  size_t hidden;
  size_t ffn;
  size_t layers;
  size_t heads;
  size_t kvHeads;
  size_t vocab;
  size_t headDim;
  float ropeTheta;
  float rmsEps;
};

enum class KvDtype { kBf16, kInt8, kFp8E4M3, kFp8E5M2 };
enum class LmHeadDtype { kBf16, kInt8 };

struct ModelSpec {
  ModelDims dims;
  PathKind path;
  const Implementation* implementation;
  bool useBlas;
  unsigned threads;
  KvDtype kv;
  // Keep a bf16 copy of the KV cache beside a one-byte one, so a quality pass can compare
  // each layer's attention output against bf16's on the same inputs.
  bool kvReference = false;
  LmHeadDtype lmHead;
  uint64_t seed;
  // Sequences decoded in lockstep, prompt tokens per sequence, and the positions each
  // sequence may reach (prompt + generated).
  size_t maxSequences;
  size_t maxPromptTokens;
  size_t maxPositions;
  // Zeroing on the input of every ternary layer (none by default); the fused paths then
  // also prepare their sparse kernels' copy of the weights.
  ActivationSparsity sparsity;
  // Which cached positions each head's softmax keeps (all by default).
  AttentionSparsity attentionSparsity;
};

// The seven ternary projections of a layer, in weight-file order.
enum class Projection : int { kQ, kK, kV, kO, kGate, kUp, kDown, kCount };
constexpr int kProjections = static_cast<int>(Projection::kCount);

struct ProjectionShape {
  size_t n;  // outputs
  size_t k;  // inputs
};
ProjectionShape projectionShape(const ModelDims& dims, Projection projection);
const char* projectionName(Projection projection);

// Throws std::invalid_argument naming the field when dimensions cannot describe a model
// (TypeScript validates first; this keeps the native core safe on its own).
void checkModelDims(const ModelDims& dims);

}  // namespace bitbench
