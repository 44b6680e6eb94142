// Included by an x86 fused-i8 unit after i8-tiles.inl and i8-sparse-tiles.inl: its table with
// the batch-1 kernel's streams (and unless asked otherwise the sparse kernel's) on the hardware
// prefetcher alone, no software prefetch ahead of them. Dispatch picks such a table on the CPUs
// where that read cold weights faster (dispatch/cpu-features.h, streamsOnHardwarePrefetch); the
// kernel's name says so.
#define BITBENCH_HARDWARE_PREFETCH_SUFFIX "; batch 1 on the hardware prefetcher alone"

// constexpr, so that the table is initialized at compile time: as a dynamic initializer it would
// run, in the unit's ISA, when the addon loads on any CPU (SIGILL under qemu -cpu Haswell).
// STREAMS: how many streams the batch-1 kernel walks at once without the prefetch.
// SPARSE_PREFETCH: how far ahead the sparse kernel's streams still prefetch (0: not at all).
template <size_t STREAMS = V::kGemvStreams, size_t SPARSE_PREFETCH = 0>
constexpr I8KernelTable i8HardwarePrefetchTable(I8KernelTable table, const char* name) {
  table.name = name;
  table.run = i8RunTiles<0, STREAMS>;
  table.gemvSteps = i8GemvSteps<0, STREAMS>;
  table.gemvRunSteps = i8GemvRunSteps<0, STREAMS>;
  table.sparseRun = i8SparseRun<SPARSE_PREFETCH>;
  return table;
}
