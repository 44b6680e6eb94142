#include "model-spec.h"

#include <stdexcept>
#include <string>

namespace bitbench {

ProjectionShape projectionShape(const ModelDims& d, Projection projection) {
  const size_t kvWidth = d.kvHeads * d.headDim;
  switch (projection) {
    case Projection::kQ: return {d.hidden, d.hidden};
    case Projection::kK: return {kvWidth, d.hidden};
    case Projection::kV: return {kvWidth, d.hidden};
    case Projection::kO: return {d.hidden, d.hidden};
    case Projection::kGate: return {d.ffn, d.hidden};
    case Projection::kUp: return {d.ffn, d.hidden};
    case Projection::kDown: return {d.hidden, d.ffn};
    case Projection::kCount: break;
  }
  return {0, 0};
}

const char* projectionName(Projection projection) {
  static const char* const names[] = {"q", "k", "v", "o", "gate", "up", "down"};
  return names[static_cast<int>(projection)];
}

void checkModelDims(const ModelDims& d) {
  auto require = [](bool ok, const std::string& message) {
    if (!ok) throw std::invalid_argument("Invalid model dimensions: " + message);
  };
  require(d.hidden > 0 && d.ffn > 0 && d.layers > 0 && d.heads > 0 && d.kvHeads > 0 && d.vocab > 0,
          "every size must be positive");
  require(d.hidden % d.heads == 0, "hidden must be divisible by heads");
  require(d.heads % d.kvHeads == 0, "heads must be divisible by kvHeads");
  require(d.headDim == d.hidden / d.heads, "headDim must be hidden / heads");
  require(d.headDim % 2 == 0, "headDim must be even (RoPE rotates pairs)");
  require(d.ropeTheta > 0 && d.rmsEps > 0, "ropeTheta and rmsEps must be positive");
}

}  // namespace bitbench
