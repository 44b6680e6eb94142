// Timing a model: prefill a prompt for every sequence, fill the KV cache up to the context
// position (by more real prefill, or by tiling the prompt's entries), then decode tokens in
// lockstep (greedy: each sequence's next token is the argmax of its logits), timing every
// step and the attention inside it. An optional untimed pass afterwards compares each
// layer's attention output with a bf16 cache's.
#pragma once
#include <cmath>
#include <cstddef>
#include <functional>
#include <vector>

#include "bitnet-model.h"

namespace bitbench {

enum class KvFill { kPrefill, kTiled };

struct ModelRunOptions {
  size_t sequences;
  size_t promptTokens;
  size_t decodeTokens;
  // Position of the first decode step (>= promptTokens); positions from promptTokens up to it
  // are filled as `fill` says.
  size_t context;
  KvFill fill;
  // Decode steps after the timed ones with the KV quality pass on (0: none).
  size_t qualitySteps;
};

struct ModelRunOutcome {
  double prefillNs = 0;
  double fillNs = 0;
  std::vector<double> stepNs;
  // Per decode step, inside stepNs (BitNetModel::StepTimes).
  std::vector<double> attentionNs;
  std::vector<double> projectionNs;
  std::vector<double> lmHeadNs;
  size_t weightBytesPerStep = 0;
  double kvBytesPerStep = 0;  // mean over the decode steps
  size_t kvBytesPerSequence = 0;  // the cache of one sequence at the context position
  double kvCosineMin = std::nan("");  // NaN: no quality pass ran
  // Activation sparsity (spec.sparsity): each timed step also runs dense first, at the same
  // position over the same cache; its time, and the cosine of the sparse step's logits
  // against its logits (min and mean over steps and sequences); the decode steps' figures.
  std::vector<double> denseStepNs;
  double logitsCosineMin = std::nan("");
  double logitsCosineMean = std::nan("");
  BitNetModel::SparsityFigures sparsity;
  // Attention sparsity (spec.attentionSparsity): fraction of (head, position) pairs dropped in
  // the timed steps, and the cosine of each layer's attention output against dense attention
  // over the same cache in the quality pass (NaN: none ran).
  double attentionSparsity = 0;
  double attentionCosineMin = std::nan("");
  std::vector<int32_t> lastTokens;
};

// Positions a run needs in the cache (what the model must be built for).
size_t positionsNeeded(const ModelRunOptions& options);

// The greedy pick: the first index of the largest of `vocab` logits (std::max_element's).
int32_t argmaxLogits(const float* logits, size_t vocab);

// progress(tokensDone, tokensTotal) is called from this thread after each step.
ModelRunOutcome runModelBenchmark(BitNetModel& model, const ModelRunOptions& options,
                                  const std::function<void(size_t, size_t)>& progress);

}  // namespace bitbench
