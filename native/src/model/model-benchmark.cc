#include "model-benchmark.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "synthetic-model.h"

namespace bitbench {

namespace {
using Clock = std::chrono::steady_clock;

int32_t argmax(const float* logits, size_t vocab) {
  return static_cast<int32_t>(std::max_element(logits, logits + vocab) - logits);
}
}  // namespace

ModelRunOutcome runModelBenchmark(BitNetModel& model, const ModelRunOptions& o,
                                  const std::function<void(size_t, size_t)>& progress) {
  const size_t vocab = model.spec().dims.vocab;
  const size_t total = o.sequences * (o.promptTokens + o.decodeTokens);
  ModelRunOutcome outcome;
  outcome.weightBytesPerStep = model.weightBytesPerStep(o.sequences);

  const std::vector<int32_t> prompt = syntheticTokens(model.spec().seed, o.sequences * o.promptTokens, vocab);
  // Prefill: every prompt token of every sequence in one pass; logits of each last token.
  std::vector<TokenRow> rows;
  std::unique_ptr<bool[]> logitRows(new bool[o.sequences * o.promptTokens]);
  for (size_t s = 0; s < o.sequences; ++s)
    for (size_t p = 0; p < o.promptTokens; ++p) {
      logitRows[rows.size()] = p + 1 == o.promptTokens;
      rows.push_back({prompt[s * o.promptTokens + p], s, p});
    }
  std::vector<float> logits(o.sequences * vocab);

  const auto prefillStart = Clock::now();
  model.forward(rows.data(), rows.size(), logitRows.get(), logits.data());
  outcome.prefillNs = std::chrono::duration<double, std::nano>(Clock::now() - prefillStart).count();
  std::vector<int32_t> next(o.sequences);
  for (size_t s = 0; s < o.sequences; ++s) next[s] = argmax(&logits[s * vocab], vocab);
  size_t done = o.sequences * o.promptTokens;
  progress(done, total);

  double kvBytes = 0;
  std::vector<TokenRow> step(o.sequences);
  for (size_t t = 0; t < o.decodeTokens; ++t) {
    const size_t position = o.promptTokens + t;
    for (size_t s = 0; s < o.sequences; ++s) step[s] = {next[s], s, position};
    const auto start = Clock::now();
    model.forward(step.data(), step.size(), nullptr, logits.data());
    for (size_t s = 0; s < o.sequences; ++s) next[s] = argmax(&logits[s * vocab], vocab);
    outcome.stepNs.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count());
    kvBytes += static_cast<double>(model.kvBytesPerStep(o.sequences, position + 1));
    done += o.sequences;
    progress(done, total);
  }
  outcome.kvBytesPerStep = o.decodeTokens ? kvBytes / static_cast<double>(o.decodeTokens) : 0;
  outcome.lastTokens = next;
  return outcome;
}

}  // namespace bitbench
