// The function table each ISA implementation fills in. Kept to plain C types on purpose:
// ISA translation units are compiled with their own target flags, and sharing inline C++
// library code with them could let the linker pick an AVX-512 copy for generic callers.
#pragma once
#include <cstddef>
#include <cstdint>

#include "stream-split.h"

namespace bitbench {

// Columns per 32-bit code word of the fused row-tile layouts (ternary-layout.h).
constexpr size_t kColumnsPerWord = 16;
constexpr size_t kTripleColumnsPerWord = 18;
constexpr size_t kQuintetColumnsPerWord = 15;
// Columns per block of the fp32 sparse kernels over the pairs layout (activation sparsity):
// four code words.
constexpr size_t kSparseF32BlockColumns = 64;
// Index of the first word of tile t, group g in a tile-major fused layout (ternary-layout.h). Static:
// each translation unit, whatever its target flags, keeps its own copy.
static inline size_t tileWordOffset(size_t tile, size_t group, size_t groups, size_t rowsPerTile) {
  return (tile * groups + group) * rowsPerTile;
}

// The panel layouts (kCodeTriplePanels, kCodeQuintetPanels: the sparse kernels' copies):
// panelGroups groups of every tile, tile after tile, then the next panel. A batch-1 call walks
// them panel by panel, so columns whose activations are all zero are whole runs of memory it
// never touches (in a tile-major layout they are a few bytes between read ones, and the
// prefetcher reads them anyway). As the dense layout it measured slower (its partial sums go to
// memory between panels: 4096 x 4096 cold 0.18 against 0.17 ms, hot 0.105 against 0.09),
// hence a copy beside the dense one rather than instead of it.
// Triple panels: four groups (72 columns), the rows in chunks of kPanelChunkTiles tiles, each
// chunk panel after panel (chunkedPanelWordOffset), so that one chunk's listed panels are one
// run of memory read front to back. Four groups rather than two: with the zeroed blocks the
// kernel's own, panels chosen at random, two groups (4 KiB stretches) read 1.20x and 1.47-1.58x
// dense cold at 30% and 50% zero blocks, four 1.23x and 1.62-1.65x, eight 1.18-1.20x and
// 1.58-1.60x (Sapphire Rapids, 4096x4096, 2 threads, builds alternated run by run; 6912x2560:
// 1.06x and 1.35-1.36x for two, 1.09x and 1.41x for four; hot alike).
// Quintet panels: four groups (60 columns, one sparse block), every tile in one panel
// (panelWordOffset). Pair panels: the same, four groups of 16 columns (one
// kSparseF32BlockColumns block).
constexpr size_t kTriplePanelGroups = 4;
constexpr size_t kQuintetPanelGroups = 4;
constexpr size_t kPairPanelGroups = kSparseF32BlockColumns / kColumnsPerWord;
// Tiles per chunk of the triple panels: a chunk's stretch of one panel is 8 KiB (32 tiles of four
// 64-byte words). With two-word panels, chunks of 16 tiles ran 0.91-0.93x as fast and of 64
// tiles 0.88-0.91x (a thread's rows then hold two chunks: two streams, not four). Without chunks
// a thread's stream read a few KiB of each panel and jumped to the next, and the prefetcher
// started over at each one (AVX-512 on Zen 4, 4096 x 4096 cold, 2 threads, 30% zero blocks:
// 1.01x dense; in chunks 1.26x). The same chunks did not pay for AVX2's panels (then of split
// triples: cold, 30%: 1.22x against 1.27x and 1.25x; its kernel is compute-bound and already
// asks for the next listed panel ahead), so those have none.
constexpr size_t kPanelChunkTiles = 32;
// Groups in the panel that starts at group `first`: panelGroups, but the matrix's last.
static inline size_t panelWidth(size_t first, size_t groups, size_t panelGroups) {
  return groups - first < panelGroups ? groups - first : panelGroups;
}
// Index of the first word of tile t, group g in a panel layout `panelGroups` groups wide, for
// `tiles` tiles.
static inline size_t panelWordOffset(size_t tile, size_t group, size_t groups, size_t tiles, size_t rowsPerTile,
                                     size_t panelGroups) {
  const size_t first = group / panelGroups * panelGroups;
  const size_t width = panelWidth(first, groups, panelGroups);
  return (first * tiles + tile * width + group - first) * rowsPerTile;
}
// The same in chunks of kPanelChunkTiles tiles, each a panel layout of its own.
static inline size_t chunkedPanelWordOffset(size_t tile, size_t group, size_t groups, size_t tiles,
                                            size_t rowsPerTile, size_t panelGroups) {
  const size_t chunkBegin = tile / kPanelChunkTiles * kPanelChunkTiles;
  const size_t chunkTiles = tiles - chunkBegin < kPanelChunkTiles ? tiles - chunkBegin : kPanelChunkTiles;
  return chunkBegin * groups * rowsPerTile +
         panelWordOffset(tile - chunkBegin, group, groups, chunkTiles, rowsPerTile, panelGroups);
}

// Batch-1 fused kernels work on this many tiles at once, taken from as many far-apart parts
// of the thread's rows: each is a long sequential stream, and a core keeps several streams
// in flight where it would wait on one (memory-level parallelism for cold weights).
constexpr size_t kGemvStreams = 4;

// How a fused implementation repacks the public format at preparation.
enum class FusedLayout {
  // 2 bits per weight, 16 columns per 32-bit word, one word per row of a tile.
  kCodePairs,
  // The same words in column panels (panelWordOffset, kPairPanelGroups wide).
  kCodePairPanels,
  // 3 weights per 5-bit index (27 of 32 values), 6 indexes (18 columns) per 32-bit word:
  // 1.78 bits per weight read instead of 2.
  kCodeTriples,
  // The same words in chunked column panels (chunkedPanelWordOffset, kTriplePanelGroups wide).
  kCodeTriplePanels,
  // 5 weights per three 3-bit indexes (for the 8-entry tables of AVX2's vpermps), 3 quintets
  // (15 columns) per 32-bit word: 2.13 bits per weight. See ternary-layout.h, quintet-code.h.
  kCodeQuintets,
  // The same words in column panels (panelWordOffset, kQuintetPanelGroups wide).
  kCodeQuintetPanels,
};

// Rows [rowBegin, rowEnd) of y = scale * (W x) for `batch` activation rows.
// x: batch rows of xStride floats (zero-padded past k); y: batch rows of n floats.
struct KernelCall {
  size_t n;
  size_t k;
  const float* x;
  size_t xStride;
  size_t batch;
  float scale;
  float* y;
  size_t rowBegin;
  size_t rowEnd;
  // The panel copies' sparse kernels only (sparseFusedCopy on x86): this thread's own buffer for
  // its rows' sums between panels, whole row tiles from rowBegin's tile on (sparseSumsFloats).
  float* sums = nullptr;
};

// Floats of KernelCall::sums for rows [rowBegin, rowEnd) in tiles of rowsPerTile.
static inline size_t sparseSumsFloats(size_t rowBegin, size_t rowEnd, size_t rowsPerTile) {
  return (rowEnd + rowsPerTile - 1) / rowsPerTile * rowsPerTile - rowBegin / rowsPerTile * rowsPerTile;
}

struct KernelTable {
  // Fused ternary: the repacked layout and its rows per tile (see ternary-layout.h).
  FusedLayout fusedLayout;
  size_t fusedRowTile;
  const char* fusedKernelName;
  // Scratch memory each thread of a call gets to itself (e.g. tables built from the
  // activations: each thread builds its own, since building is cheaper than reading another
  // core's copy); kStride is the padded activation length. May be null: no scratch.
  size_t (*fusedThreadScratchBytes)(size_t kStride);
  void (*fusedRun)(const uint8_t* prepared, void* threadScratch, const KernelCall& call);

  // Dense fp32 weights, rows of kStride floats (zero-padded), used when no BLAS is linked.
  const char* denseF32KernelName;
  void (*denseF32Run)(const float* weights, size_t kStride, const KernelCall& call);

  // Dense bf16 weights, rows of kStride bf16 values. xBf16 holds the activations rounded
  // to bf16 with the same stride as call.x, for kernels with a native bf16 dot product.
  const char* denseBf16KernelName;
  void (*denseBf16Run)(const uint16_t* weights, size_t kStride, const uint16_t* xBf16,
                       const KernelCall& call);
  bool denseBf16ReadsBf16Activations;

  // Dense int8 weights with one fp32 scale per row (rowScales[row]), rows of kStride values;
  // y = call.scale * rowScale * (w . x). Used by the int8 LM head of the model.
  void (*denseI8Run)(const int8_t* weights, const float* rowScales, size_t kStride, const KernelCall& call);

  // Batch 1 fused computing only the `count` blocks of sparseFusedBlockColumns columns listed
  // in `blocks` (every other block of call.x is all zero). Without sparseFusedCopy it reads the
  // prepared dense weights: the fp32 kernels are compute-bound where they are slow (no
  // AVX-512), so skipping the work pays. With it, a second copy in sparseFusedLayout, prepared
  // beside the dense one, where skipping must also skip memory; that kernel keeps its rows'
  // sums between panels in call.sums. May be null: the path runs dense.
  const char* sparseFusedKernelName;
  void (*sparseFusedRun)(const uint8_t* prepared, void* threadScratch, const uint32_t* blocks, size_t count,
                         const KernelCall& call);
  bool sparseFusedCopy;
  FusedLayout sparseFusedLayout;
  // Columns per block the sparse kernel skips whole (the path lists the nonzero ones in these
  // units): kSparseF32BlockColumns, or a panel's columns for the panel copy.
  size_t sparseFusedBlockColumns;
  // Matrices of fewer rows have no sparse kernel and run dense (0: every size): the panel copy
  // pays only where each panel is a long run to stream.
  size_t sparseFusedMinRows;
};

}  // namespace bitbench
