#include "kv-fill.h"

#include <cmath>
#include <vector>

#include "../runtime/thread-pool.h"

namespace bitbench {

void fillKvTiled(const KvCache& source, KvCache* const* targets, size_t targetCount, const ModelDims& d,
                 size_t sequences, size_t sourcePositions, size_t end, unsigned threads) {
  if (sourcePositions == 0 || end <= sourcePositions) return;
  const size_t width = d.kvHeads * d.headDim, half = d.headDim / 2;
  const size_t tasks = d.layers * sequences;
  ThreadPool::shared().parallel(threads, [&](unsigned index, unsigned used) {
    std::vector<float> key(width), value(width), cosines(half), sines(half);
    for (size_t task = index; task < tasks; task += used) {
      const size_t layer = task / sequences, sequence = task % sequences;
      size_t angleDelta = 0;
      for (size_t t = sourcePositions; t < end; ++t) {
        const size_t s = t % sourcePositions, delta = t - s;
        if (delta != angleDelta) {  // one set of angles per tile
          angleDelta = delta;
          for (size_t i = 0; i < half; ++i) {
            const double frequency = std::pow(static_cast<double>(d.ropeTheta), -2.0 * static_cast<double>(i) / static_cast<double>(d.headDim));
            const double angle = static_cast<double>(delta) * frequency;
            cosines[i] = static_cast<float>(std::cos(angle));
            sines[i] = static_cast<float>(std::sin(angle));
          }
        }
        for (size_t h = 0; h < d.kvHeads; ++h) {
          float* k = key.data() + h * d.headDim;
          source.readKey(layer, sequence, s, h, k);
          source.readValue(layer, sequence, s, h, value.data() + h * d.headDim);
          for (size_t i = 0; i < half; ++i) {  // rotate-half RoPE, as the model applies it
            const float a = k[i], b = k[i + half];
            k[i] = a * cosines[i] - b * sines[i];
            k[i + half] = b * cosines[i] + a * sines[i];
          }
        }
        for (size_t target = 0; target < targetCount; ++target)
          targets[target]->store(layer, sequence, t, key.data(), value.data());
      }
    }
  });
}

}  // namespace bitbench
