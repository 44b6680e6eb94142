// Attention sparsity: which cached positions each query head's softmax keeps. Window mode is
// positional (attendRows skips the dropped positions' work); the other modes depend on the
// scores, so every score is computed and the dropped ones leave the softmax and the value sum.
#pragma once
#include <cstddef>
#include <string>

namespace bitbench {

enum class AttentionSparsityMode {
  kNone,
  // Per query head, the ceil(level * span) largest scores kept (ties at the cut kept too).
  kTopK,
  // Positions whose softmax probability is below level dropped (the largest always kept).
  kThreshold,
  // The first `global` positions and the last `window` (the current one included) kept.
  kWindow,
  // Top-k with a keep ratio of level times the normalized entropy of the head's softmax
  // (H(p) / ln span): a head whose attention sits on few positions keeps fewer.
  kDynamic,
};

struct AttentionSparsity {
  AttentionSparsityMode mode = AttentionSparsityMode::kNone;
  double level = 0;
  size_t window = 0;
  size_t global = 0;
};

// Throws std::invalid_argument naming the known modes.
AttentionSparsityMode parseAttentionSparsityMode(const std::string& name);
// Throws std::invalid_argument when the level or window does not fit the mode.
void checkAttentionSparsity(const AttentionSparsity& sparsity);

inline bool selectsByScore(const AttentionSparsity& s) {
  return s.mode == AttentionSparsityMode::kTopK || s.mode == AttentionSparsityMode::kThreshold ||
         s.mode == AttentionSparsityMode::kDynamic;
}

// Score modes on one query head's `count` scores: writes -infinity over the dropped ones and
// returns how many stay. scratch: count floats. Portable code shared by every ISA's kernel.
size_t selectScores(const AttentionSparsity& sparsity, float* scores, size_t count, float* scratch);

}  // namespace bitbench
