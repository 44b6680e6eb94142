// One thread's share of a parallel call's work, as a range of items [front, back) in one
// atomic word: its owner takes items from the front, and a thread done with its own share
// takes what is left from the back. Threads on a shared host do not run at one speed: in the
// 2B-4T decode (Zen 4, 2 threads) the two halves of a projection took 38-42 us apart on
// average in 150-195 us calls, either one the slower, so fixed halves leave one thread
// waiting for a quarter of each call.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace bitbench {

struct alignas(64) WorkShare {
  std::atomic<uint64_t> span{0};

  // Before the call, on the calling thread (the pool's start publishes it).
  void set(size_t front, size_t back) {
    span.store(static_cast<uint64_t>(front) | static_cast<uint64_t>(back) << 32, std::memory_order_relaxed);
  }
  size_t back() const { return static_cast<size_t>(span.load(std::memory_order_relaxed) >> 32); }
  // Takes up to `most` items from the front or the back into [begin, end), or with `half`
  // at least `most` and up to half of what is left (from the back: a thief that reads its
  // items front to back in one stretch); false when none are left. Items stay below 2^32.
  bool claim(bool fromFront, size_t most, size_t& begin, size_t& end, bool half = false) {
    uint64_t now = span.load(std::memory_order_relaxed);
    for (;;) {
      const uint64_t front = now & 0xffffffffu, back = now >> 32;
      if (front >= back) return false;
      const uint64_t want = half ? std::max<uint64_t>(most, (back - front) / 2) : most;
      const uint64_t take = std::min<uint64_t>(want, back - front);
      const uint64_t next = fromFront ? (front + take) | back << 32 : front | (back - take) << 32;
      if (span.compare_exchange_weak(now, next, std::memory_order_relaxed)) {
        begin = static_cast<size_t>(fromFront ? front : back - take);
        end = begin + static_cast<size_t>(take);
        return true;
      }
    }
  }
};

}  // namespace bitbench
