// A persistent pool of worker threads: created once, reused by every call, so a kernel call
// never pays for thread creation. Workers spin briefly between calls (back-to-back benchmark
// iterations find them awake) and then sleep.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace bitbench {

class ThreadPool {
 public:
  using Task = std::function<void(unsigned index, unsigned count)>;

  static ThreadPool& shared();
  static constexpr unsigned kMaxThreads = 4096;
  static unsigned hardwareThreads();

  // Runs task(i, count) for i in [0, count) on `count` threads, the calling thread being
  // index 0, and returns when all are done. One parallel call at a time (serialized).
  // count is at most kMaxThreads.
  void parallel(unsigned count, const Task& task);

 private:
  ThreadPool() = default;
  void growTo(unsigned workers);
  void workerLoop(unsigned index, uint64_t seen);

  std::mutex callMutex_;
  std::vector<std::thread> workers_;
  // (call number << 16) | thread count, published in one store so that a worker never
  // pairs one call's number with another call's count.
  std::atomic<uint64_t> call_{0};
  std::atomic<unsigned> remaining_{0};
  std::atomic<unsigned> sleepers_{0};
  const Task* task_ = nullptr;
  std::mutex sleepMutex_;
  std::condition_variable wake_;
};

// Rows [begin, end) of thread `index` out of `count`, in whole tiles of `tile` rows.
struct RowRange {
  size_t begin;
  size_t end;
};
RowRange splitRows(size_t rows, size_t tile, unsigned index, unsigned count);

// Inside a parallel task: returns once `counter` reaches `target` (the other threads of the
// call have passed some point), spinning as the pool's workers do.
void waitUntilAtLeast(const std::atomic<unsigned>& counter, unsigned target);

}  // namespace bitbench
