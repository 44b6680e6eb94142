// The column-stripe layout of the scattered sparse kernel (activation sparsity with zeros one
// by one, as per-entry top-k and the squared ReLU leave them): each column's codes for all
// rows in one contiguous stripe, so each zero activation skips its whole column, n / 4 bytes.
// The column-block layout (sparse-layout.h) skips only blocks of 64-256 columns all zero, and
// scattered zeros almost never empty one.
//
// Why whole columns: on Sapphire Rapids (2 threads, 256 MB read cold, 30% of runs skipped at
// random, against reading all of it, medians of 7 interleaved pairs) a skipped run of 2 lines
// cost 1.15x the full read, 5 lines 0.97x, 8 lines 0.87x, 10 0.87x, 16 0.82x, 27 0.80x: the
// hardware prefetcher reads the short gaps anyway, and each jump restarts it. A column of
// 2B-4T's 2560-row matrices is 10 lines, of its 6912-row ones 27.
//
// Within a stripe, chunks of 4 * planeBytes rows, one vector each; byte i of a chunk holds four
// rows in its four 2-bit crumbs, ordered so that the kernel's byte interleave of four columns
// (x86/avx512-stripes.inl, x86/avx2-stripes.inl, arm/neon-dotprod-stripes.inl) yields
// accumulators whose lanes are consecutive rows.
// Plain constants and C types only: ISA translation units include this.
#pragma once
#include <cstddef>
#include <cstdint>

namespace bitbench {

// Rows of one chunk (one vector of codes per column).
inline size_t stripeChunkRows(size_t planeBytes) { return 4 * planeBytes; }
// Rows of a stripe: n padded to whole chunks (padding rows hold code 1, weight zero).
inline size_t stripeRows(size_t n, size_t planeBytes) {
  return (n + stripeChunkRows(planeBytes) - 1) / stripeChunkRows(planeBytes) * stripeChunkRows(planeBytes);
}
inline size_t stripeBytes(size_t n, size_t planeBytes) { return stripeRows(n, planeBytes) / 4; }
inline size_t stripePreparedBytes(size_t n, size_t k, size_t planeBytes) { return k * stripeBytes(n, planeBytes); }

// The row, within its chunk, whose code sits in crumb `crumb` of byte `byte`. The kernel
// interleaves the bytes of four columns per 128-bit lane: dword d of lane L of interleave m
// holds byte 16L + 4m + d of each column, and its crumb s feeds accumulator 4m + s; lanes of
// an accumulator (planeBytes / 4 of them) are consecutive rows.
inline size_t stripeRowOf(size_t byte, size_t crumb, size_t planeBytes) {
  const size_t lane = byte / 16, interleave = (byte % 16) / 4, dword = byte % 4;
  return (planeBytes / 4) * (4 * interleave + crumb) + 4 * lane + dword;
}

// The accumulator scale of a row: crumb s is masked in place, not shifted, so its products
// come out 4^s times too large (exact multiples, shifted back once per output).
inline unsigned stripeRowShift(size_t row, size_t planeBytes) {
  return static_cast<unsigned>(2 * ((row % stripeChunkRows(planeBytes)) / (planeBytes / 4) % 4));
}

// Products of up to this many columns stay below 2^31 in a crumb-3 accumulator
// (4 columns x 2 x 127 x 64 per step).
constexpr size_t kStripeMaxColumns = 131072;

void repackStripes(const uint8_t* packed, size_t n, size_t k, size_t planeBytes, uint8_t* out);

// Writes the indexes of the nonzero values of q (k of them); returns how many.
size_t nonzeroColumnsI8(const int8_t* q, size_t k, uint32_t* out);

}  // namespace bitbench
