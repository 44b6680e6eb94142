#include "thread-pool.h"

#include <chrono>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif

#if defined(__x86_64__)
#include <immintrin.h>
#define BITBENCH_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define BITBENCH_CPU_RELAX() __asm__ volatile("yield")
#else
#define BITBENCH_CPU_RELAX() ((void)0)
#endif

namespace bitbench {

namespace {
// Long enough to bridge two benchmark iterations, short enough not to steal a core from
// whatever runs next for long.
constexpr auto kSpinBeforeSleep = std::chrono::microseconds(500);

// A waiting thread spins (the other threads finish within microseconds of each other), but
// yields its core now and then: the scheduler sometimes places two of the call's threads on
// one core, and a spinning waiter there would take half the time of the thread it waits for
// (measured on a 2-vCPU Zen 4: 2-thread GEMM calls at 7 ms instead of 3.5 ms in a third of
// the samples). sched_yield costs well under a microsecond when nothing else is runnable.
inline void relaxOrYield(unsigned spins) {
  if ((spins & 63) == 0) std::this_thread::yield();
  else BITBENCH_CPU_RELAX();
}

// The CPUs this process may use, in order, read once (worker i stays on the i-th of them).
const std::vector<int>& allowedCpus() {
  static const std::vector<int> cpus = [] {
    std::vector<int> list;
#if defined(__linux__)
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0)
      for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
        if (CPU_ISSET(cpu, &allowed)) list.push_back(cpu);
#endif
    return list;
  }();
  return cpus;
}

// Worker i stays on the i-th CPU this process may use. Without this, Linux sometimes wakes a
// worker onto the caller's core and leaves both there for milliseconds: a 2-thread call then
// runs at 1-thread speed (seen on a 2-vCPU Zen 4: whole runs of batch-64 calls at 7 ms
// instead of 3.5 ms). Pinning the caller for good was measured and is worse (it is a libuv
// thread that other work shares); keepCallerOffWorkers moves it only when it must.
void pinToAllowedCpu(unsigned index) {
#if defined(__linux__)
  const std::vector<int>& cpus = allowedCpus();
  if (cpus.size() < 2) return;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpus[index % cpus.size()], &one);
  pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
#else
  (void)index;
#endif
}

// The caller (index 0) is not pinned, and the scheduler does not always move it off a worker's
// CPU: on a 2-vCPU Zen 4, one process in four kept the caller on worker 1's CPU for a whole
// run, and every 7-us call then took 540 us (the worker, done, spun on the core the caller
// needed). When the caller is on the CPU of one of this call's workers, it moves itself to
// the CPUs no worker of the call has, and at once allows its old set again (the move stays:
// the scheduler keeps a thread where it is while that CPU is allowed). A getcpu per call.
void keepCallerOffWorkers(unsigned count) {
#if defined(__linux__)
  const std::vector<int>& cpus = allowedCpus();
  if (cpus.size() < count) return;  // more threads than CPUs: some must share
  const int here = sched_getcpu();
  bool onWorker = false;
  for (unsigned i = 1; i < count; ++i) onWorker |= cpus[i] == here;
  if (!onWorker) return;
  cpu_set_t before, free;
  if (pthread_getaffinity_np(pthread_self(), sizeof(before), &before) != 0) return;
  CPU_ZERO(&free);
  CPU_SET(cpus[0], &free);
  for (size_t i = count; i < cpus.size(); ++i) CPU_SET(cpus[i], &free);
  CPU_AND(&free, &free, &before);
  if (CPU_COUNT(&free) == 0) return;
  if (pthread_setaffinity_np(pthread_self(), sizeof(free), &free) == 0)
    pthread_setaffinity_np(pthread_self(), sizeof(before), &before);
#else
  (void)count;
#endif
}

}  // namespace

ThreadPool& ThreadPool::shared() {
  // Never destroyed: worker threads must not be joined from a static destructor at exit.
  static ThreadPool* pool = new ThreadPool();
  return *pool;
}

unsigned ThreadPool::hardwareThreads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

void ThreadPool::growTo(unsigned workers) {
  while (workers_.size() < workers) {
    const unsigned index = static_cast<unsigned>(workers_.size()) + 1;
    // The new thread may start after the call that created it is published: it must treat
    // that call as new, so it starts from the value before publication.
    const uint64_t before = call_.load(std::memory_order_relaxed);
    workers_.emplace_back([this, index, before] {
      pinToAllowedCpu(index);
      workerLoop(index, before);
    });
    workers_.back().detach();
  }
}

void ThreadPool::parallel(unsigned count, const Task& task) {
  if (count <= 1) {
    task(0, 1);
    return;
  }
  std::lock_guard<std::mutex> call(callMutex_);
  growTo(count - 1);
  keepCallerOffWorkers(count);
  task_ = &task;
  remaining_.store(count - 1, std::memory_order_relaxed);
  const uint64_t callNumber = (call_.load(std::memory_order_relaxed) >> 16) + 1;
  call_.store((callNumber << 16) | count, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard<std::mutex> lock(sleepMutex_);
    wake_.notify_all();
  }
  task(0, count);
  unsigned spins = 0;
  while (remaining_.load(std::memory_order_acquire) != 0) relaxOrYield(++spins);
}

void ThreadPool::workerLoop(unsigned index, uint64_t seen) {
  for (;;) {
    const auto spinUntil = std::chrono::steady_clock::now() + kSpinBeforeSleep;
    unsigned spins = 0;
    uint64_t call;
    while ((call = call_.load(std::memory_order_acquire)) == seen) {
      relaxOrYield(++spins);
      if ((++spins & 255) == 0 && std::chrono::steady_clock::now() > spinUntil) {
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        std::unique_lock<std::mutex> lock(sleepMutex_);
        wake_.wait(lock, [&] { return call_.load(std::memory_order_seq_cst) != seen; });
        sleepers_.fetch_sub(1, std::memory_order_relaxed);
      }
    }
    seen = call;
    // A participant is waited for by the caller, so task_ still belongs to this call.
    const unsigned count = static_cast<unsigned>(call & 0xffff);
    if (index < count) {
      (*task_)(index, count);
      remaining_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }
}

RowRange splitRows(size_t rows, size_t tile, unsigned index, unsigned count) {
  // Lower indexes take the remainder: the calling thread (index 0) is never the idle one.
  const size_t tiles = (rows + tile - 1) / tile;
  const size_t per = tiles / count, extra = tiles % count;
  const size_t begin = (index * per + (index < extra ? index : extra)) * tile;
  const size_t end = begin + (per + (index < extra ? 1 : 0)) * tile;
  return {begin < rows ? begin : rows, end < rows ? end : rows};
}

void waitUntilAtLeast(const std::atomic<unsigned>& counter, unsigned target) {
  for (unsigned spins = 1; counter.load(std::memory_order_acquire) < target; ++spins) relaxOrYield(spins);
}

}  // namespace bitbench
