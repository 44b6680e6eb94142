// How the batch-1 kernels split a thread's tiles among their streams (far-apart parts of its
// rows, each read front to back at once). Plain C types and `static` only: every ISA
// translation unit includes this, and a shared inline copy built with one TU's target flags
// could be the one the linker keeps for all (kernel-table.h).
#pragma once
#include <cstddef>

namespace bitbench {

// Streams that start a multiple of this many bytes apart read cold weights slower.
constexpr size_t kStreamAliasBytes = 64 * 1024;

// Tiles per stream, for `tiles` tiles of `tileBytes` bytes each and `streams` streams (the
// caller walks the tiles left over on one stream). An equal share, or one tile less where the
// share would put the streams a multiple of 64 KiB apart: Emerald Rapids, 2 threads, cold,
// both variants in one process, avx512 fused-i8 (four streams): 4096 x 4096 (512 KiB apart)
// 1.13-1.14x faster with the tile less, 6144 x 4096 (768 KiB) 1.08x, 8192 x 4096 (1 MiB)
// 1.07x; the 2B-4T shapes, whose shares are not such multiples, were alike with any stream
// count. My reading: streams a multiple of a large power of two apart contend for the same
// DRAM banks (or cache sets) all the way along. It may be Intel's or that host's: on a Zen 3
// the avx2 kernel, two streams 1 MiB apart, read 94% of the bandwidth cold, and on Zen 4 the
// rule measured 0.99-1.02x on every kernel (cold, both variants alternating call by call);
// elsewhere the rule costs one stream a few tiles on its own. Where a tile is itself a
// multiple of 64 KiB (k of 65536 and more), no share avoids it.
static inline size_t streamTiles(size_t tiles, size_t streams, size_t tileBytes) {
  size_t part = tiles / streams;
  if (streams > 1 && part > 1 && part * tileBytes % kStreamAliasBytes == 0) --part;
  return part;
}

}  // namespace bitbench
