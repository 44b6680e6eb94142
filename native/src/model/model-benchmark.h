// Timing a model: prefill a prompt for every sequence, then decode tokens in lockstep
// (greedy: each sequence's next token is the argmax of its logits), timing every step.
#pragma once
#include <cstddef>
#include <functional>
#include <vector>

#include "bitnet-model.h"

namespace bitbench {

struct ModelRunOptions {
  size_t sequences;
  size_t promptTokens;
  size_t decodeTokens;
};

struct ModelRunOutcome {
  double prefillNs = 0;
  std::vector<double> stepNs;
  size_t weightBytesPerStep = 0;
  double kvBytesPerStep = 0;  // mean over the decode steps
  std::vector<int32_t> lastTokens;
};

// progress(tokensDone, tokensTotal) is called from this thread after each step.
ModelRunOutcome runModelBenchmark(BitNetModel& model, const ModelRunOptions& options,
                                  const std::function<void(size_t, size_t)>& progress);

}  // namespace bitbench
