// A choice between a matrix's dense kernel and its sparse one by their measured call times, for
// the sparsity at which neither wins on every host. fused-i8's column stripes cost more work per
// byte than its dense kernel: at 30% zeros one by one they ran 1.08-1.09x dense on Zen 4 while the
// host left it 29-33 GB/s and 0.90-0.94x at 49-55 GB/s, and on Zen 5 (2 threads, cold) 1.01-1.09x
// at 6912 x 2560 but 0.86-0.93x at 2560 x 2560. So each matrix times both and runs the faster,
// trying the other one now and then, as the host's memory speed drifts.
#pragma once
#include <cstddef>
#include <cstdint>

namespace bitbench {

class MeasuredChoice {
 public:
  // One call in every this many runs the kernel the estimates say is slower, to keep its
  // estimate current; one in kTryFarEvery where it is more than kFar times the other's time.
  // In a 2B-4T decode at top-k 0.7 (Zen 5, 2 threads), the stripes' calls on the 30% inputs
  // took 1.36-1.44x dense's on average over the layers: a try in 32 calls cost about 1% of
  // those layers' time.
  static constexpr uint64_t kTryOtherEvery = 32;
  static constexpr uint64_t kTryFarEvery = 256;
  static constexpr double kFar = 1.25;
  // Calls that alternate dense, sparse, dense, sparse before the estimates choose: a kernel's
  // first call in a run can be slow for its own reasons (its buffers' first touch).
  static constexpr uint64_t kFirstCalls = 4;
  // Each estimate is the least of a kernel's last this many samples: a call slowed by the
  // scheduler or a neighbour (delays only add) drops out, and a drift of the host's memory
  // speed is followed within as many samples.
  static constexpr size_t kWindow = 4;

  // Whether the next call runs the sparse kernel; `share` is the fraction of the sparse
  // kernel's work that call has (its listed columns over all).
  bool pickSparse(double share) {
    ++calls_;
    if (calls_ <= kFirstCalls || dense_.empty() || sparse_.empty()) return calls_ % 2 == 0;
    const double sparseNs = sparse_.least() * share, denseNs = dense_.least();
    const bool sparseFaster = sparseNs < denseNs;
    const bool far = sparseFaster ? denseNs > kFar * sparseNs : sparseNs > kFar * denseNs;
    return calls_ % (far ? kTryFarEvery : kTryOtherEvery) == 0 ? !sparseFaster : sparseFaster;
  }

  // What a call took (summed over its threads) with the kernel it ran.
  void record(bool sparse, double ns, double share) {
    if (!(ns > 0)) return;
    if (!sparse) dense_.add(ns);
    else if (share > 0) sparse_.add(ns / share);
  }

  double denseNs() const { return dense_.least(); }
  // The sparse kernel's time per unit of `share` (its work is its listed columns).
  double sparseNsPerShare() const { return sparse_.least(); }

 private:
  struct Window {
    double samples[kWindow] = {};
    size_t count = 0;
    void add(double ns) { samples[count++ % kWindow] = ns; }
    bool empty() const { return count == 0; }
    double least() const {
      double low = 0;
      for (size_t i = 0; i < kWindow && i < count; ++i)
        if (i == 0 || samples[i] < low) low = samples[i];
      return low;
    }
  };

  uint64_t calls_ = 0;
  Window dense_, sparse_;
};

}  // namespace bitbench
