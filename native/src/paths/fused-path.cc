// fused: the packed codes, repacked once into the ISA's layout, are turned into weights (or
// partial sums) in registers inside the multiply-accumulate loop. The dense matrix never
// exists.
#include <cstring>
#include <vector>

#include "../kernels/sparse-layout.h"
#include "../kernels/ternary-layout.h"
#include "../runtime/aligned-buffer.h"
#include "../runtime/thread-pool.h"
#include "paths.h"
#include "sparse-choice.h"

namespace bitbench {

namespace {

const KernelTable& tableOf(const PathConfig& config) { return *config.implementation->table(cpuFeatures()); }

bool hasSparse(const PathConfig& config) {
  const KernelTable& table = tableOf(config);
  return config.sparseKernel && table.sparseFusedRun && config.n >= table.sparseFusedMinRows;
}

size_t blockColumnsOf(const PathConfig& config) { return tableOf(config).sparseFusedBlockColumns; }

// With a sparse kernel, padded activations also cover whole blocks of it.
size_t columnMultipleOf(const PathConfig& config) {
  const size_t fused = fusedColumnMultiple(tableOf(config).fusedLayout);
  if (!hasSparse(config)) return fused;
  size_t multiple = fused;
  while (multiple % blockColumnsOf(config)) multiple += fused;
  return multiple;
}

class FusedPath : public ComputePath {
 public:
  explicit FusedPath(const PathConfig& config)
      : ComputePath(config, columnMultipleOf(config)),
        scratchBytes_(table().fusedThreadScratchBytes ? table().fusedThreadScratchBytes(kStride_) : 0),
        sparse_(hasSparse(config)),
        blockColumns_(blockColumnsOf(config)),
        blocks_((config.k + blockColumns_ - 1) / blockColumns_),
        nonzeroBlocks_(sparse_ ? blocks_ : 0) {}

  // The sparse kernel reads the dense layout, or (sparseFusedCopy) a second copy after it.
  size_t preparedBytes() const override {
    if (!sparseCopy()) return denseBytes();
    return sparseCopyOffset(denseBytes()) +
           fusedPreparedBytes(table().sparseFusedLayout, config_.n, config_.k, table().fusedRowTile);
  }
  size_t readBytes() const override { return denseBytes(); }
  size_t threadScratchBytes(size_t) const override { return scratchBytes_; }
  size_t ownBytes(unsigned threads) const override {
    size_t bytes = nonzeroBlocks_.size() * sizeof(uint32_t);
    if (sparseCopy())
      for (unsigned i = 0; i < threads; ++i) bytes += sumsBytes(i, threads);
    return bytes;
  }
  void prepare(const uint8_t* packed, uint8_t* out) const override {
    validatePacked(packed, config_.n, config_.k);
    repackFused(table().fusedLayout, packed, config_.n, config_.k, table().fusedRowTile, out);
    if (sparseCopy())
      repackFused(table().sparseFusedLayout, packed, config_.n, config_.k, table().fusedRowTile,
                  out + sparseCopyOffset(denseBytes()));
  }
  bool hasSparseKernel() const override { return sparse_; }
  size_t sparseBlockColumns() const override { return blockColumns_; }
  std::string kernelName() const override {
    return sparse_ ? std::string(table().fusedKernelName) + "; " + table().sparseFusedKernelName : table().fusedKernelName;
  }

 protected:
  size_t rowTile() const override { return table().fusedRowTile; }
  void beforeRows(const KernelCall& call, unsigned threads) override {
    runSparse_ = false;
    if (sparse_ && sparseAllowed_ && call.batch == 1) {
      nonzeroCount_ = nonzeroBlocksF32(call.x, blocks_, blockColumns_, nonzeroBlocks_.data());
      const size_t zeros = zeroCountF32(call.x, config_.k);
      runSparse_ = chooseSparse(sparsity_, blocks_, nonzeroCount_, static_cast<double>(zeros) / config_.k, kSparseMinZeroBlocksF32);
    }
    // Each thread's own buffer for its rows' sums (the panel copies' kernels). The path's own,
    // not the shared workspace's: a group sets up several products before running any.
    if (runSparse_ && sparseCopy()) {
      if (sums_.size() < threads) sums_.resize(threads);
      for (unsigned i = 0; i < threads; ++i)
        if (sums_[i].bytes() < sumsBytes(i, threads)) sums_[i] = AlignedBuffer(sumsBytes(i, threads));
    }
    // Taken on the calling thread; each thread then writes only its own buffer.
    threadScratch_.assign(threads, nullptr);
    if (scratchBytes_ == 0) return;
    for (unsigned i = 0; i < threads; ++i) threadScratch_[i] = workspace().get(Workspace::kThreadScratch + i, scratchBytes_);
  }
  void runRows(const uint8_t* prepared, const KernelCall& call, unsigned thread) override {
    if (runSparse_ && sparseCopy()) {
      KernelCall withSums = call;
      withSums.sums = sums_[thread].as<float>();
      return table().sparseFusedRun(prepared + sparseCopyOffset(denseBytes()), threadScratch_[thread],
                                    nonzeroBlocks_.data(), nonzeroCount_, withSums);
    }
    if (runSparse_)
      return table().sparseFusedRun(prepared, threadScratch_[thread], nonzeroBlocks_.data(), nonzeroCount_, call);
    table().fusedRun(prepared, threadScratch_[thread], call);
  }

 private:
  bool sparseCopy() const { return sparse_ && table().sparseFusedCopy; }
  // Thread `thread`'s sums buffer: its rows in whole tiles, then a page unused, so that no other
  // thread's sums lie right after its own. In y, the two threads' rows side by side, the sums
  // cost the AVX2 panel kernel a tenth of its time (panel-walk.inl); in two heap buffers 128
  // bytes apart, nothing.
  size_t sumsBytes(unsigned thread, unsigned threads) const {
    const RowRange rows = splitRows(config_.n, rowTile(), thread, threads);
    return sparseSumsFloats(rows.begin, rows.end, rowTile()) * sizeof(float) + kSumsGapBytes;
  }
  static constexpr size_t kSumsGapBytes = 4096;
  size_t denseBytes() const {
    return fusedPreparedBytes(table().fusedLayout, config_.n, config_.k, table().fusedRowTile);
  }

  size_t scratchBytes_;
  std::vector<void*> threadScratch_;
  std::vector<AlignedBuffer> sums_;
  // The sparse kernel was asked for and the ISA has one.
  bool sparse_;
  size_t blockColumns_;
  size_t blocks_;
  std::vector<uint32_t> nonzeroBlocks_;
  size_t nonzeroCount_ = 0;
  bool runSparse_ = false;
};

}  // namespace

std::unique_ptr<ComputePath> makeFusedPath(const PathConfig& config) {
  return std::make_unique<FusedPath>(config);
}

}  // namespace bitbench
