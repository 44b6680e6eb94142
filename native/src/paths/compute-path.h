// A compute path (DESIGN.md, "Compute paths"): what is prepared once from the packed ternary
// weights, and what each call does with it. Paths are built for one shape and one ISA.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "../dispatch/implementations.h"
#include "../runtime/aligned-buffer.h"
#include "../runtime/workspace.h"

namespace bitbench {

enum class PathKind { kBaseline, kCachedF32, kCachedBf16, kFused, kFusedI8 };

// Throws std::invalid_argument naming the known paths.
PathKind parsePathKind(const std::string& name);
const char* pathKindName(PathKind kind);

struct PathConfig {
  PathKind kind;
  const Implementation* implementation;
  size_t n;
  size_t k;
  size_t maxBatch;
  float scale;
  // Dense fp32 products through the system BLAS when one was built in.
  bool useBlas;
  // Scratch shared with paths that never run at the same time; null: the path's own.
  std::shared_ptr<Workspace> workspace = nullptr;
  // Activation sparsity (fused, fused-i8): at batch 1, run the sparse kernel when enough
  // activation blocks are all zero (sparse-choice.h); fused-i8 also prepares the column-block
  // copy of the weights it reads (sparse-layout.h). Other paths ignore it.
  bool sparseKernel = false;
};

// What the calls of a path with a sparse kernel measured on their activations (batch 1).
struct SparsityCounters {
  uint64_t calls = 0;        // batch-1 calls that could have run the sparse kernel
  uint64_t sparseCalls = 0;  // of them, the calls that did
  double zeroBlocks = 0;     // sum over calls of the fraction of column blocks all zero
  double skipped = 0;        // sum over calls of the fraction of the weights the call did not read
  double zeroValues = 0;     // sum over calls of the fraction of (quantized) activations zero
};

class ComputePath {
 public:
  // Activations are zero-padded to a multiple of columnMultiple columns (and of 32).
  explicit ComputePath(const PathConfig& config, size_t columnMultiple = 1);
  virtual ~ComputePath() = default;

  // Bytes of one prepared copy of the weights (with a sparse kernel's copy, both).
  virtual size_t preparedBytes() const = 0;
  // Bytes a dense call reads: preparedBytes() less any sparse kernel's copy.
  virtual size_t readBytes() const { return preparedBytes(); }
  // Bytes the path keeps for itself across calls on `threads` threads, beyond the prepared
  // weights and the shared workspace (what a memory estimate must add per path).
  virtual size_t ownBytes(unsigned threads) const { (void)threads; return 0; }
  // Bytes of the shared workspace's scratch each thread takes for a call of up to `batch` rows.
  virtual size_t threadScratchBytes(size_t batch) const { (void)batch; return 0; }
  // Validates the packed weights (std::invalid_argument naming the bad byte) and writes the
  // prepared form into `out` (preparedBytes() bytes).
  virtual void prepare(const uint8_t* packed, uint8_t* out) const = 0;
  // y (batch x n) = scale * W x for x (batch x k), on `threads` threads of the shared pool.
  // sameInput: x is the input of the previous run() of a path sharing this workspace, with the
  // same k and batch (Q/K/V, gate/up), so work derived from it alone may be reused.
  void run(const uint8_t* prepared, const float* x, size_t batch, float* y, unsigned threads,
           bool sameInput = false);

  // One product of runGroup: a path, its prepared weights and its output.
  struct GroupMember {
    ComputePath* path;
    const uint8_t* prepared;
    float* y;
  };
  static constexpr size_t kMaxGroup = 4;
  // The products of `count` paths sharing k and a workspace on the same input x (Q/K/V,
  // gate/up), as run() would give them one after another: each is set up in turn on the
  // calling thread, then every thread runs its rows of each in one parallel call, so the
  // threads wait for each other once instead of once per product.
  // Paths whose workspace buffers depend on more than k and the batch (so that two products
  // would share one buffer of different contents) run their products one by one.
  static void runGroup(const GroupMember* members, size_t count, const float* x, size_t batch, unsigned threads);

  // What ran: the kernel and, for dense products, the BLAS or builtin loop.
  virtual std::string kernelName() const = 0;
  virtual std::string blasName() const { return ""; }

  const PathConfig& config() const { return config_; }
  // The per-tensor scale (y = scale * W x), known once the weights are.
  void setScale(float scale) { config_.scale = scale; }
  // Row stride, in elements, of padded activations and dense weights.
  size_t kStride() const { return kStride_; }

  // Off: every call runs the dense kernel, to compare it with the sparse one on the same
  // prepared weights and activations.
  void setSparseAllowed(bool allowed) { sparseAllowed_ = allowed; }
  const SparsityCounters& sparsity() const { return sparsity_; }
  // Columns of the sparse kernel's column block (what one zero block lets it skip).
  virtual size_t sparseBlockColumns() const { return 64; }
  // Whether this path has a sparse kernel it may run (asked for, and the ISA and shape have one).
  virtual bool hasSparseKernel() const { return false; }
  void resetSparsity() { sparsity_ = {}; }

 protected:
  // Called once per run(), on the calling thread, after the activations are padded (where the
  // path reads the padded copy, see readsPaddedActivations); `call` covers all rows.
  virtual void beforeRows(const KernelCall& call, unsigned threads) { (void)call, (void)threads; }
  virtual size_t rowTile() const { return 16; }
  // Whether the kernels read the padded fp32 copy of the activations (call.x, kStride_ apart).
  // Without, call.x is the caller's rows as given (k apart), and beforeRows converts them.
  virtual bool readsPaddedActivations() const { return true; }
  // Whether runGroup may set up several products of this path before running any: true
  // unless a workspace buffer of the path holds per-product contents (see runGroup).
  virtual bool groupable() const { return true; }
  // Rows of one thread; `thread` is its index in [0, threads).
  virtual void runRows(const uint8_t* prepared, const KernelCall& call, unsigned thread) = 0;
  // Which part of a thread's work a call of runShare runs. A path that deals its work out
  // (a thread takes the other threads' rows once its own are done) splits it in two: kOwn, the
  // thread's own rows, and kLeft, what is left of the others'. runGroup runs every product's
  // kOwn before any kLeft, so that the threads meet the products' ends once, at the group's
  // end, rather than once per product.
  enum class Share { kAll, kOwn, kLeft };
  virtual void runRowsShare(const uint8_t* prepared, const KernelCall& call, unsigned thread, Share share) {
    if (share != Share::kLeft) runRows(prepared, call, thread);
  }

  const KernelTable& table() const { return *table_; }

  // The padded activations of the current call (valid inside run()).
  const float* paddedActivations() const { return padded_; }
  // Whether the current call's input is the previous call's (see run()).
  bool sameInput() const { return sameInput_; }
  Workspace& workspace() const { return *config_.workspace; }

  PathConfig config_;
  const KernelTable* table_;
  size_t kStride_;
  bool sparseAllowed_ = true;
  SparsityCounters sparsity_;

 private:
  // run()'s halves: the calling thread's set-up (padding, beforeRows), and one thread's share.
  KernelCall setUp(const float* x, size_t batch, float* y, unsigned threads, bool sameInput);
  void runShare(const uint8_t* prepared, const KernelCall& base, unsigned index, unsigned count,
                Share share = Share::kAll);

  const float* padded_ = nullptr;
  bool sameInput_ = false;
};

std::unique_ptr<ComputePath> makeComputePath(const PathConfig& config);

}  // namespace bitbench
