// fused-i8 (W1.58A8, as BitNet b1.58 computes): each call quantizes the activations to int8
// per row (absmax), then the ISA's integer kernel multiplies them by the packed codes,
// repacked once into code planes (i8-layout.h), and rescales each output once.
#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

#include "../kernels/i8-layout.h"
#include "../kernels/sparse-layout.h"
#include "../kernels/stripe-layout.h"
#include "../runtime/thread-pool.h"
#include "../runtime/work-share.h"
#include "../kernels/ternary-layout.h"
#include "paths.h"
#include "sparse-choice.h"

namespace bitbench {

namespace {

const I8KernelTable& i8TableOf(const PathConfig& config) {
  return *config.implementation->i8Table(cpuFeatures());
}

class FusedI8Path : public ComputePath {
 public:
  explicit FusedI8Path(const PathConfig& config)
      : ComputePath(config, i8ColumnMultiple(i8TableOf(config).planeBytes)),
        i8_(i8TableOf(config)),
        sparse_(config.sparseKernel && i8_.sparseRun),
        stripes_(sparse_ && i8_.stripeRun && config.k <= kStripeMaxColumns && config.n >= kStripeMinRows),
        blocks_(kStride_ / i8ColumnMultiple(i8_.planeBytes)),
        nonzeroBlocks_(sparse_ ? blocks_ : 0),
        // One slot past k: nonzeroColumnsI8 stores before it counts.
        nonzeroColumns_(stripes_ ? config.k + 1 : 0) {}

  size_t preparedBytes() const override {
    const size_t dense = denseBytes();
    if (!sparse_) return dense;
    const size_t blocksEnd = sparseCopyOffset(dense) + sparsePreparedBytes(config_.n, config_.k, i8_.planeBytes);
    return stripes_ ? stripeCopyOffset() + stripePreparedBytes(config_.n, config_.k, i8_.planeBytes) : blocksEnd;
  }
  size_t readBytes() const override { return denseBytes(); }
  size_t threadScratchBytes(size_t batch) const override {
    const size_t dense = i8_.threadScratchBytes(kStride_, batch);
    return sparse_ && dense < kSparseThreadScratchBytes ? kSparseThreadScratchBytes : dense;
  }
  size_t ownBytes(unsigned threads) const override {
    const size_t lists = nonzeroBlocks_.size() * sizeof(uint32_t) + nonzeroColumns_.size() * sizeof(uint32_t);
    if (!stripes_) return lists;
    // prepareStripes(): a row of dots per thread (dotsStrideBytes() apart), plus a page to align.
    return lists + threads * dotsStrideBytes() + kPage;
  }
  void prepare(const uint8_t* packed, uint8_t* out) const override {
    validatePacked(packed, config_.n, config_.k);
    repackI8Planes(packed, config_.n, config_.k, i8_.planeBytes, i8_.rowTile, out);
    if (sparse_) repackSparseBlocks(packed, config_.n, config_.k, i8_.planeBytes, out + sparseCopyOffset(denseBytes()));
    if (stripes_) repackStripes(packed, config_.n, config_.k, i8_.planeBytes, out + stripeCopyOffset());
  }
  bool hasSparseKernel() const override { return sparse_; }
  size_t sparseBlockColumns() const override { return i8ColumnMultiple(i8_.planeBytes); }
  std::string kernelName() const override {
    if (!sparse_) return i8_.name;
    return std::string(i8_.name) + "; sparse: listed column blocks, one stream each" +
           (stripes_ ? "; scattered zeros: listed column stripes, 8 streams each" : "");
  }

 protected:
  size_t rowTile() const override { return i8_.rowTile; }
  // The quantizer reads the caller's rows and writes the padding itself: no fp32 copy.
  bool readsPaddedActivations() const override { return false; }
  // Quantizing is a small share of a call (k values per row against n * k codes), so it runs
  // once here rather than on every thread; from kParallelQuantizeRows rows on, the rows are
  // split over the threads (at batch 32 a 2B-4T step quantized 14K values a row per layer).
  static constexpr size_t kParallelQuantizeRows = 8;
  void beforeRows(const KernelCall& call, unsigned threads) override {
    // Same sizes as the previous call: the workspace hands back the same buffers, still
    // holding that call's quantized activations (BitNet quantizes a layer input once).
    q_ = static_cast<int8_t*>(workspace().get(Workspace::kI8Activations, call.batch * kStride_));
    rows_ = static_cast<I8Row*>(workspace().get(Workspace::kI8Rows, call.batch * sizeof(I8Row)));
    auto quantizeRows = [&](size_t begin, size_t end) {
      for (size_t b = begin; b < end; ++b)
        i8_.quantize(call.x + b * call.xStride, config_.k, kStride_, q_ + b * kStride_, rows_ + b);
    };
    if (!sameInput() && (call.batch < kParallelQuantizeRows || threads <= 1)) quantizeRows(0, call.batch);
    else if (!sameInput())
      ThreadPool::shared().parallel(threads, [&](unsigned index, unsigned count) {
        const RowRange range = splitRows(call.batch, 1, index, count);
        quantizeRows(range.begin, range.end);
      });
    runSparse_ = runStripes_ = false;
    if (sparse_ && sparseAllowed_ && call.batch == 1) {
      nonzeroCount_ = nonzeroBlocksI8(q_, blocks_, i8ColumnMultiple(i8_.planeBytes), nonzeroBlocks_.data());
      // A 32-bit count vectorizes (6912 columns: 0.46 us against 1.0 with size_t).
      uint32_t zeros = 0;
      for (size_t i = 0; i < config_.k; ++i) zeros += q_[i] == 0;
      runSparse_ = chooseSparse(sparsity_, blocks_, nonzeroCount_, static_cast<double>(zeros) / config_.k, kSparseMinZeroBlocks);
      if (!runSparse_ && stripes_ && zeros >= kStripeMinZeroColumns * static_cast<double>(config_.k))
        prepareStripes(threads);
    }
    // Dense calls deal their work out: batch 1 the kernel's steps where the table has them,
    // larger batches runs of rows.
    dealSteps_ = threads > 1 && !runSparse_ && !runStripes_ && (call.batch > 1 || i8_.gemvRunSteps != nullptr);
    if (dealSteps_) prepareSteps(call, threads);
    threadScratch_.assign(threads, nullptr);
    const size_t denseBytes = i8_.threadScratchBytes(kStride_, call.batch);
    const size_t bytes = runSparse_ && denseBytes < kSparseThreadScratchBytes ? kSparseThreadScratchBytes : denseBytes;
    if (bytes == 0) return;
    for (unsigned i = 0; i < threads; ++i) threadScratch_[i] = workspace().get(Workspace::kThreadScratch + i, bytes);
  }
  void runRows(const uint8_t* prepared, const KernelCall& call, unsigned thread) override {
    runRowsShare(prepared, call, thread, Share::kAll);
  }
  void runRowsShare(const uint8_t* prepared, const KernelCall& call, unsigned thread, Share share) override {
    if (dealSteps_) return runSteps(prepared, call, thread, share);
    if (share == Share::kLeft) return;
    if (runStripes_) return runStripeRows(prepared + stripeCopyOffset(), call, thread);
    const I8KernelCall i8Call = i8CallOf(call, call.rowBegin, call.rowEnd);
    if (runSparse_)
      return i8_.sparseRun(prepared + sparseCopyOffset(denseBytes()), threadScratch_[thread], nonzeroBlocks_.data(),
                           nonzeroCount_, i8Call);
    i8_.run(prepared, threadScratch_[thread], i8Call);
  }

 private:
  size_t denseBytes() const { return i8PreparedBytes(config_.n, config_.k, i8_.planeBytes, i8_.rowTile); }
  // Bytes from one thread's row of dots to the next's: pages of their own, at least a page
  // apart, and never a multiple of 16 KiB apart. Back to back 16 KiB apart (4096 rows), the
  // second thread's kernel ran 1.7x as long as the first's (Sapphire Rapids, 2 threads, 4096 x
  // 1024 L2-resident; 2 KiB or 64 KiB further apart, both ran alike; whichever thread had the
  // second buffer was the slow one). A page apart left 2560 rows (2B-4T's down projection) 16
  // KiB apart again: Zen 4, 2560 x 6912 cold, 67% zeros, 2 threads, medians of 7 interleaved
  // runs: 1.75x dense, against 2.06x one more page apart (2.10x with 2 KiB more). Its other
  // multiples (32 KiB: 6912 rows) were not measured on Zen 4 (80 KiB ran well on Sapphire
  // Rapids); skipping them costs a page a thread.
  size_t dotsStrideBytes() const {
    const size_t stride = roundUp(stripeRows(config_.n, i8_.planeBytes) * sizeof(int32_t), kPage) + kPage;
    return stride % (4 * kPage) == 0 ? stride + kPage : stride;
  }
  size_t stripeCopyOffset() const {
    return roundUp(sparseCopyOffset(denseBytes()) + sparsePreparedBytes(config_.n, config_.k, i8_.planeBytes), 4096);
  }

  I8KernelCall i8CallOf(const KernelCall& call, size_t rowBegin, size_t rowEnd) const {
    return I8KernelCall{call.n, call.k, q_, kStride_, rows_, call.batch, call.scale, call.y, rowBegin, rowEnd};
  }
  void reserveShares(unsigned threads) {
    if (shareCount_ >= threads) return;
    shares_ = std::make_unique<WorkShare[]>(threads);
    shareCount_ = threads;
  }

  // A dense call's work, dealt out as the stripes' columns are: each thread its own share
  // front to back, then the others' from their backs. At batch 1 the items are the kernel's
  // steps (I8KernelTable::gemvSteps) of each thread's rows; at larger batches, runs of
  // kClaimRows rows, each a run of the kernel on its own (the batched kernel's tiles are
  // independent). Set up on the calling thread.
  static constexpr size_t kClaimRows = 64;  // whole tiles, and whole AMX panels of 32 rows
  // Batch 1: the steps a thread claims at a time, about this many bytes of weights (2B-4T's
  // matrices: 5-12 steps, 2-4 us of a cold call). Zen 4, 2 threads, dealt against fixed rows:
  // in the decode (alternated step by step) calls ran 0.97-1.27x faster with claims of 4 steps
  // (20-55 KB), 0.93-1.16x with 32 KiB and 0.97-1.08x with 128 KiB (the host drifting between runs); hot
  // (4096 x 4096 in L3, call by call) they cost 1-2% at 32 and at 128 KiB, 10% in one slow
  // spell of the host.
  static constexpr size_t kClaimBytes = 64 * 1024;
  void prepareSteps(const KernelCall& call, unsigned threads) {
    reserveShares(threads);
    dealThreads_ = threads;
    claimSteps_ = 1;
    for (unsigned t = 0; t < threads; ++t) {
      const RowRange rows = splitRows(config_.n, rowTile(), t, threads);
      size_t items = 0;
      if (rows.begin < rows.end && call.batch == 1) {
        items = i8_.gemvSteps(i8CallOf(call, rows.begin, rows.end));
        // A row is about k / 4 bytes of codes.
        if (t == 0) claimSteps_ = std::max<size_t>(1, kClaimBytes * items / ((rows.end - rows.begin) * (config_.k / 4 + 1)));
      } else if (rows.begin < rows.end) {
        items = (rows.end - rows.begin + kClaimRows - 1) / kClaimRows;
      }
      shares_[t].set(0, items);
    }
  }
  void runSteps(const uint8_t* prepared, const KernelCall& call, unsigned thread, Share share) {
    const size_t claim = claimSteps_;
    // The first run lays the activations out in the thread's scratch (AMX's B tiles), the
    // later ones reuse them: laid out again for each run of 64 rows, the AMX batch-64 GEMM ran
    // 1.7x as long (Sapphire Rapids class, 4096 x 4096, 2 threads: 1.11 against 0.66 ms).
    bool laidOut = false;
    auto runItems = [&](const RowRange& rows, size_t first, size_t last) {
      if (call.batch == 1) return i8_.gemvRunSteps(prepared, i8CallOf(call, rows.begin, rows.end), first, last);
      const size_t end = std::min(rows.end, rows.begin + last * kClaimRows);
      I8KernelCall run = i8CallOf(call, rows.begin + first * kClaimRows, end);
      run.scratchHoldsActivations = laidOut;
      i8_.run(prepared, threadScratch_[thread], run);
      laidOut = true;
    };
    size_t first, last;
    const RowRange own{call.rowBegin, call.rowEnd};
    if (share != Share::kLeft)
      while (shares_[thread].claim(true, claim, first, last)) runItems(own, first, last);
    if (share == Share::kOwn) return;
    for (unsigned other = 1; other < dealThreads_; ++other) {
      const unsigned t = (thread + other) % dealThreads_;
      const RowRange rows = splitRows(config_.n, rowTile(), t, dealThreads_);
      // Half of what is left at a time, read front to back: the kernel's streams as one
      // stretch, where claims taken backwards would each restart them.
      while (shares_[t].claim(false, claim, first, last, true)) runItems(rows, first, last);
    }
  }

  // The stripe kernel's set-up on the calling thread: the listed columns, each thread's share
  // of them, and one row of dots per thread that has rows (splitRows leaves the last ones idle
  // when there are few).
  void prepareStripes(unsigned threads) {
    runStripes_ = true;
    ++sparsity_.sparseCalls;
    columnCount_ = nonzeroColumnsI8(q_, config_.k, nonzeroColumns_.data());
    sparsity_.skipped += 1.0 - static_cast<double>(columnCount_) / static_cast<double>(config_.k);
    workers_ = 0;
    while (workers_ < threads && splitRows(config_.n, rowTile(), workers_, threads).begin < config_.n) ++workers_;
    reserveShares(workers_);
    auto boundary = [&](unsigned t) { return t >= workers_ ? columnCount_ : columnCount_ * t / workers_ / 8 * 8; };
    for (unsigned t = 0; t < workers_; ++t) shares_[t].set(boundary(t), boundary(t + 1));
    // Path-owned, not the workspace's: the products of a group share that, and one thread may
    // start the next product while another still reads this one's dots.
    dotsStride_ = dotsStrideBytes() / sizeof(int32_t);
    const size_t bytes = workers_ * dotsStrideBytes() + kPage;
    if (dots_.bytes() < bytes) dots_ = AlignedBuffer(bytes);
    const uintptr_t base = reinterpret_cast<uintptr_t>(dots_.as<uint8_t>());
    dotsBase_ = reinterpret_cast<int32_t*>(roundUp(base, kPage));
    arrived_.store(0, std::memory_order_relaxed);
  }

  // Each thread runs its share of the listed columns over all rows, front to back, a claim at
  // a time; then takes what is left of the others' shares from their backs; then waits for the
  // others and adds every thread's dots for its own rows. Why not fixed halves: in the 2B-4T
  // decode at top-k 0.7 (Zen 4, 2 threads) the half of the down projection's columns with the
  // higher indexes took 1.1-1.4x as long as the other, whichever thread ran it (80 against 96
  // us, and 88 against 75 with the halves swapped), and the first thread done waited 14-37 us.
  void runStripeRows(const uint8_t* stripes, const KernelCall& call, unsigned thread) {
    int32_t* dots = dotsBase_ + thread * dotsStride_;
    bool accumulate = false;
    auto runColumns = [&](size_t begin, size_t end, size_t following) {
      i8_.stripeRun(stripes, config_.n, q_, nonzeroColumns_.data() + begin, end - begin, following, accumulate, dots);
      accumulate = true;
    };
    constexpr size_t kClaimColumns = 32;  // four sweeps of the kernel
    WorkShare& own = shares_[thread];
    size_t begin, end;
    // Its own share's next columns are asked for ahead, across claims: they are most likely its own next.
    while (own.claim(true, kClaimColumns, begin, end)) runColumns(begin, end, own.back() - end);
    for (unsigned other = 1; other < workers_; ++other)
      while (shares_[(thread + other) % workers_].claim(false, kClaimColumns, begin, end)) runColumns(begin, end, 0);
    if (!accumulate) runColumns(0, 0, 0);  // zeroes the dots
    arrived_.fetch_add(1, std::memory_order_acq_rel);
    waitUntilAtLeast(arrived_, workers_);
    // The thread's rows only, a block at a time: every thread's dots added up in a block of
    // the stack (reading the others' lines, writing none of them), then rescaled a run of rows
    // of one shift at a time (the loops vectorize).
    const float rescale = rows_[0].dequant * call.scale;
    const int32_t sum = rows_[0].sum;
    const size_t run = i8_.planeBytes / 4;
    constexpr size_t kBlock = 256;
    int32_t total[kBlock];
    for (size_t first = call.rowBegin; first < call.rowEnd; first += kBlock) {
      const size_t rows = std::min(kBlock, call.rowEnd - first);
      std::copy_n(dotsBase_ + first, rows, total);
      for (unsigned t = 1; t < workers_; ++t) {
        const int32_t* other = dotsBase_ + t * dotsStride_ + first;
        for (size_t r = 0; r < rows; ++r) total[r] += other[r];
      }
      for (size_t r = 0; r < rows;) {
        const size_t row = first + r;
        const size_t end = std::min(rows, (row / run + 1) * run - first);
        const unsigned shift = stripeRowShift(row, i8_.planeBytes);
        for (; r < end; ++r) call.y[first + r] = static_cast<float>((total[r] >> shift) - sum) * rescale;
      }
    }
  }

  const I8KernelTable& i8_;
  // The column-block copy exists (asked for, and the ISA has a sparse kernel).
  bool sparse_;
  // The column-stripe copy exists too (the ISA has the kernel, and the shape suits it).
  bool stripes_;
  size_t blocks_;
  std::vector<uint32_t> nonzeroBlocks_;
  size_t nonzeroCount_ = 0;
  bool runSparse_ = false;
  std::vector<uint32_t> nonzeroColumns_;
  size_t columnCount_ = 0;
  bool runStripes_ = false;
  unsigned workers_ = 0;
  size_t dotsStride_ = 0;
  AlignedBuffer dots_;
  int32_t* dotsBase_ = nullptr;  // dots_ rounded up to a page
  static constexpr size_t kPage = 4096;
  std::atomic<unsigned> arrived_{0};
  // Each thread's share of a call: listed columns (stripes), kernel steps (dense, batch 1) or
  // runs of rows (dense, larger batches).
  std::unique_ptr<WorkShare[]> shares_;
  unsigned shareCount_ = 0;
  bool dealSteps_ = false;
  unsigned dealThreads_ = 0;
  size_t claimSteps_ = 1;
  int8_t* q_ = nullptr;
  I8Row* rows_ = nullptr;
  std::vector<void*> threadScratch_;
};

}  // namespace

std::unique_ptr<ComputePath> makeFusedI8Path(const PathConfig& config) {
  return std::make_unique<FusedI8Path>(config);
}

}  // namespace bitbench
