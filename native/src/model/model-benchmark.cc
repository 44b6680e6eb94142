#include "model-benchmark.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include "synthetic-model.h"

namespace bitbench {

namespace {
using Clock = std::chrono::steady_clock;

double nsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
}

double logitsCosine(const float* a, const float* b, size_t n) {
  double dot = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < n; ++i) dot += double{a[i]} * b[i], aa += double{a[i]} * a[i], bb += double{b[i]} * b[i];
  return aa > 0 && bb > 0 ? dot / std::sqrt(aa * bb) : 1.0;
}
}  // namespace

// The first index of the largest logit, as std::max_element gives it, in eight lanes that the
// compiler vectorizes (max_element's one running maximum does not): the greedy pick is inside
// every timed step, 0.1 ms of it over the 2B-4T vocabulary on Zen 4, about 0.04 ms this way.
int32_t argmaxLogits(const float* logits, size_t vocab) {
  constexpr size_t kLanes = 8;
  if (vocab < 2 * kLanes) return static_cast<int32_t>(std::max_element(logits, logits + vocab) - logits);
  float best[kLanes];
  uint32_t where[kLanes];
  for (size_t j = 0; j < kLanes; ++j) best[j] = logits[j], where[j] = static_cast<uint32_t>(j);
  size_t i = kLanes;
  for (; i + kLanes <= vocab; i += kLanes)
    for (size_t j = 0; j < kLanes; ++j) {
      const bool larger = logits[i + j] > best[j];
      best[j] = larger ? logits[i + j] : best[j];
      where[j] = larger ? static_cast<uint32_t>(i + j) : where[j];
    }
  // Each lane holds its first maximum; of equal lanes the earliest index wins.
  size_t top = 0;
  for (size_t j = 1; j < kLanes; ++j)
    if (best[j] > best[top] || (best[j] == best[top] && where[j] < where[top])) top = j;
  float value = best[top];
  uint32_t index = where[top];
  for (; i < vocab; ++i)
    if (logits[i] > value) value = logits[i], index = static_cast<uint32_t>(i);
  return static_cast<int32_t>(index);
}

size_t positionsNeeded(const ModelRunOptions& o) {
  return std::max(o.context, o.promptTokens) + o.decodeTokens + o.qualitySteps + 1;
}

ModelRunOutcome runModelBenchmark(BitNetModel& model, const ModelRunOptions& o,
                                  const std::function<void(size_t, size_t)>& progress) {
  const size_t vocab = model.spec().dims.vocab;
  const size_t context = std::max(o.context, o.promptTokens);
  const size_t total = o.sequences * (o.promptTokens + o.decodeTokens);
  ModelRunOutcome outcome;
  outcome.weightBytesPerStep = model.weightBytesPerStep(o.sequences);
  outcome.kvBytesPerSequence = model.kvBytesPerSequence(context);

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
  outcome.prefillNs = nsSince(prefillStart);
  std::vector<int32_t> next(o.sequences);
  for (size_t s = 0; s < o.sequences; ++s) next[s] = argmaxLogits(&logits[s * vocab], vocab);
  size_t done = o.sequences * o.promptTokens;
  progress(done, total);

  // Up to the context position: the prompt again, chunk by chunk through the real layers
  // (minutes at 8K on two cores: attention over the growing cache), or its entries tiled.
  const auto fillStart = Clock::now();
  if (context > o.promptTokens && o.fill == KvFill::kTiled) {
    model.fillKvTiled(o.promptTokens, context);
  } else {
    for (size_t begin = o.promptTokens; begin < context; begin += o.promptTokens) {
      const size_t end = std::min(context, begin + o.promptTokens);
      rows.clear();
      for (size_t s = 0; s < o.sequences; ++s)
        for (size_t p = begin; p < end; ++p) {
          logitRows[rows.size()] = p + 1 == end;
          rows.push_back({prompt[s * o.promptTokens + p % o.promptTokens], s, p});
        }
      model.forward(rows.data(), rows.size(), logitRows.get(), logits.data());
      for (size_t s = 0; s < o.sequences; ++s) next[s] = argmaxLogits(&logits[s * vocab], vocab);
    }
  }
  outcome.fillNs = nsSince(fillStart);

  double kvBytes = 0;
  std::vector<TokenRow> step(o.sequences);
  const bool againstDense = model.spec().sparsity.mode != SparsityMode::kNone;
  std::vector<float> denseLogits(againstDense ? o.sequences * vocab : 0);
  std::vector<int32_t> denseNext(againstDense ? o.sequences : 0);
  double cosineSum = 0;
  size_t cosines = 0;
  model.resetSparsityFigures();
  model.resetAttentionCounts();
  for (size_t t = 0; t < o.decodeTokens + o.qualitySteps; ++t) {
    const bool timed = t < o.decodeTokens;
    const size_t position = context + t;
    for (size_t s = 0; s < o.sequences; ++s) step[s] = {next[s], s, position};
    model.setKvQualityPass(!timed);
    if (timed && againstDense) {
      model.setSparsity(false);
      const auto denseStart = Clock::now();
      model.forward(step.data(), step.size(), nullptr, denseLogits.data());
      // The same work as the timed step below, its pick of the next token included (unused).
      for (size_t s = 0; s < o.sequences; ++s) denseNext[s] = argmaxLogits(&denseLogits[s * vocab], vocab);
      outcome.denseStepNs.push_back(nsSince(denseStart));
      model.setSparsity(true);
    }
    model.resetStepTimes();
    const auto start = Clock::now();
    model.forward(step.data(), step.size(), nullptr, logits.data());
    for (size_t s = 0; s < o.sequences; ++s) next[s] = argmaxLogits(&logits[s * vocab], vocab);
    if (!timed) continue;
    outcome.stepNs.push_back(nsSince(start));
    for (size_t s = 0; againstDense && s < o.sequences; ++s) {
      const double c = logitsCosine(&logits[s * vocab], &denseLogits[s * vocab], vocab);
      outcome.logitsCosineMin = cosines ? std::min(outcome.logitsCosineMin, c) : c;
      cosineSum += c;
      ++cosines;
    }
    const BitNetModel::StepTimes& times = model.stepTimes();
    outcome.attentionNs.push_back(times.attentionNs);
    outcome.projectionNs.push_back(times.projectionNs);
    outcome.lmHeadNs.push_back(times.lmHeadNs);
    kvBytes += static_cast<double>(model.kvBytesPerStep(o.sequences, position + 1));
    done += o.sequences;
    progress(done, total);
  }
  model.setKvQualityPass(false);
  if (againstDense) {
    outcome.sparsity = model.sparsityFigures();
    if (cosines) outcome.logitsCosineMean = cosineSum / static_cast<double>(cosines);
  }
  if (o.qualitySteps > 0) outcome.kvCosineMin = model.kvCosineMin();
  if (model.spec().attentionSparsity.mode != AttentionSparsityMode::kNone) {
    const AttentionCounts counts = model.attentionCounts();
    outcome.attentionSparsity = counts.total > 0 ? 1.0 - counts.kept / counts.total : 0.0;
    if (o.qualitySteps > 0) outcome.attentionCosineMin = model.attentionCosineMin();
  }
  outcome.kvBytesPerStep = o.decodeTokens ? kvBytes / static_cast<double>(o.decodeTokens) : 0;
  outcome.lastTokens = next;
  return outcome;
}

}  // namespace bitbench
