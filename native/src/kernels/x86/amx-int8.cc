// AMX-INT8 fused-i8 kernels (Sapphire Rapids, Emerald Rapids, Granite Rapids): the batched
// product on tile registers. One tdpbusd multiplies a 16 x 64 tile of unsigned bytes by a
// 64 x 16 tile of signed bytes into 16 x 16 int32 sums: 16384 multiply-adds per instruction,
// 16 times what one zmm vpdpbusd does.
//
// The weights stay in the avx512-vnni code-plane layout (i8-layout.h, 64-byte planes), so
// batch 1, which has nothing to share a weight tile with, runs the avx512-vnni kernel on the
// same bytes. For a batch, each thread:
//   - lays the activations out as B tiles once per call: tile j holds batch rows 16j..16j+15,
//     and row kk of its 64-column step s holds, for each batch row, the 4 bytes at columns
//     64s + 4kk .. 64s + 4kk + 3 (the pairing tdpbusd multiplies along);
//   - decodes 32 weight rows (a panel), a block of 256 columns at a time, into A tiles, one
//     code per byte (0..2), 64 columns per tile row: a code plane of the layout is one row;
//   - multiplies two A tiles by two B tiles per step into four accumulator tiles, over k,
//     for each pair of batch tiles, decoding the next block of the panel between the steps.
// Codes are w + 1, so the sums are W.q + sum(q), taken off per output as on every ISA: every
// output equals the other ISAs' to the bit.
// Compiled with AVX-512, VNNI and AMX target flags; reached only through dispatch, after
// amxPermissionRefusal() has said the OS granted tile data.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../../runtime/aligned-buffer.h"
#include "../i8-kernel-table.h"
#include "../i8-layout.h"
#include "../isa-tables.h"
#include "amx-tile-config.h"

namespace bitbench {
namespace {

constexpr size_t kTileRows = 16;     // rows of every tile here
constexpr size_t kTileBytes = 64;    // bytes per tile row: 64 columns of codes, or 16 x 4 activation bytes
constexpr size_t kTileSize = kTileRows * kTileBytes;
constexpr size_t kPanelRows = 2 * kTileRows;   // weight rows per panel: two A tiles
constexpr size_t kLayoutRowTile = 4;           // the avx512-vnni layout's rows per tile
constexpr size_t kPlaneBytes = 64;
constexpr size_t kBlockColumns = 4 * kPlaneBytes;
// A tiles of one block of a panel: 4 steps of 64 columns x 32 rows.
constexpr size_t kBlockABytes = 4 * kPanelRows * kTileBytes;

// Batch 1 runs the vpdpbusd kernel: a tile step costs the same at any batch, and at batch 1
// its 16 batch lanes hold one row. From batch 2 tiles are faster (4096 x 4096, 2 threads, on
// Sapphire Rapids-class cores: batch 2 0.13 ms against 0.14, batch 3 0.14 against 0.24).
constexpr size_t kMinAmxBatch = 2;

// Tiles 0-3 accumulate (C), 4-5 hold the panel's weights (A), 6-7 the activations (B).
// Constant-initialized: a dynamic initializer in this unit may use AVX-512 and run at load on
// any CPU (a SIGILL under qemu -cpu Haswell).
constexpr AmxTileConfig kConfig = fullAmxTiles();

size_t batchTiles(size_t batch) { return (batch + kTileRows - 1) / kTileRows; }

size_t amxScratchBytes(size_t kStride, size_t batch) {
  return 2 * kBlockABytes + batchTiles(batch) * kTileRows * kStride + 4 * kTileSize;
}

size_t threadScratchBytes(size_t kStride, size_t batch) {
  const size_t vnni = avx512VnniI8Table().threadScratchBytes(kStride, batch);
  const size_t amx = amxScratchBytes(kStride, batch);
  return vnni > amx ? vnni : amx;
}

// B tiles: as int32 words, word n of row g (= 16s + kk) of tile j is word g of batch row
// 16j + n. One gather per tile row; batch rows past the batch read as zero.
void layOutActivations(const I8KernelCall& c, int32_t* b) {
  const size_t words = c.qStride / 4;
  const __m512i rowOffsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                _mm512_set1_epi32(static_cast<int>(words)));
  for (size_t j = 0; j < batchTiles(c.batch); ++j) {
    const size_t present = c.batch - j * kTileRows < kTileRows ? c.batch - j * kTileRows : kTileRows;
    const __mmask16 mask = static_cast<__mmask16>((1u << present) - 1);
    const int32_t* q = reinterpret_cast<const int32_t*>(c.q) + j * kTileRows * words;
    int32_t* out = b + j * words * kTileRows;
    for (size_t g = 0; g < words; ++g)
      _mm512_store_si512(out + g * kTileRows,
                         _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), mask, rowOffsets, q + g, 4));
  }
}

// The 4 rows of the panel at rows [first, first + 32) from row `local` on (one tile of the
// layout) for the 4 steps of one block: step s's A tiles at a + s * 2 KiB, the panel's first 16
// rows then the next 16, 64 bytes each. Rows at or past `end` decode as zero.
inline void decodeLayoutTile(const uint8_t* prepared, size_t blocks, size_t first, size_t end, size_t block,
                             size_t local, uint8_t* a) {
  const __m512i mask = _mm512_set1_epi8(3);
  constexpr size_t kStepBytes = kPanelRows * kTileBytes;
  const size_t tile = (first + local) / kLayoutRowTile;
  for (size_t r = 0; r < kLayoutRowTile; ++r) {
    uint8_t* out = a + (local + r) * kTileBytes;
    if (first + local + r >= end) {
      for (size_t s = 0; s < 4; ++s) _mm512_store_si512(out + s * kStepBytes, _mm512_setzero_si512());
      continue;
    }
    const __m512i w = _mm512_loadu_si512(prepared + i8PlaneOffset(tile, block, r, blocks, kPlaneBytes, kLayoutRowTile));
    _mm512_store_si512(out, _mm512_and_si512(w, mask));
    _mm512_store_si512(out + kStepBytes, _mm512_and_si512(_mm512_srli_epi16(w, 2), mask));
    _mm512_store_si512(out + 2 * kStepBytes, _mm512_and_si512(_mm512_srli_epi16(w, 4), mask));
    _mm512_store_si512(out + 3 * kStepBytes, _mm512_and_si512(_mm512_srli_epi16(w, 6), mask));
  }
}

// A whole block's A tiles: the panel's 32 rows.
void decodeBlock(const uint8_t* prepared, size_t blocks, size_t first, size_t end, size_t block, uint8_t* a) {
  for (size_t local = 0; local < kPanelRows; local += kLayoutRowTile)
    decodeLayoutTile(prepared, blocks, first, end, block, local, a);
}

// One accumulator tile's sums (16 x 16 int32 at sums, row m = weight row row0 + m, lane n =
// batch row b0 + n) to outputs. A batch row's 16 outputs are consecutive in y: each is one
// column of the tile, gathered from L1 and stored whole (a scatter per weight row instead
// writes 16 lines 16 KiB apart, and took a third of the call).
// Ternary codes (rowScales null): (dot - sum(q)) * dequant * weightScale. Int8 weights (the
// LM head): dot * (rowScale * dequant). Each as the other ISAs round it.
void storeTile(const int32_t* sums, size_t row0, size_t end, size_t b0, const I8KernelCall& c,
               const float* rowScales = nullptr) {
  if (row0 >= end) return;
  const size_t rows = end - row0 < kTileRows ? end - row0 : kTileRows;
  const __mmask16 mask = static_cast<__mmask16>((1u << rows) - 1);
  const __m512i column = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32(static_cast<int>(kTileRows)));
  const __m512 weightScales = rowScales ? _mm512_maskz_loadu_ps(mask, rowScales + row0) : _mm512_setzero_ps();
  for (size_t n = 0; n < kTileRows && b0 + n < c.batch; ++n) {
    const I8Row& info = c.rows[b0 + n];
    const __m512i sum = _mm512_i32gather_epi32(column, sums + n, 4);
    const __m512 y = rowScales
                         ? _mm512_mul_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(weightScales, _mm512_set1_ps(info.dequant)))
                         : _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(sum, _mm512_set1_epi32(info.sum))),
                                         _mm512_set1_ps(info.dequant * c.weightScale));
    _mm512_mask_storeu_ps(c.y + (b0 + n) * c.n + row0, mask, y);
  }
}

// The block a panel decodes while it multiplies the one before: where its A tiles go, or
// nothing (out null) for the panel's last block.
struct NextBlock {
  const uint8_t* prepared;
  size_t blocks, first, end, block;
  uint8_t* out;
};

// The 4 steps of one block: batch tiles b0 (and b1 when PAIR) against the decoded A tiles at
// a, into accumulator tiles 0 and 2 (and 1 and 3). Each step also decodes 8 rows of the next
// block, between its tdpbusd: a block's decode is 128 stores, more than the store buffer
// holds, and stores retire only behind the tdpbusd before them, so a whole block decoded
// between blocks stalled the tiles (Emerald Rapids, a panel's loop alone: 12.5 ns a tdpbusd
// with the decode between blocks, 10.0 spread over the steps, 7.8 with no decode).
template <bool PAIR>
inline void multiplyBlock(const uint8_t* a, const int8_t* b0, const int8_t* b1, const NextBlock& next) {
  for (size_t s = 0; s < 4; ++s) {
    const uint8_t* as = a + s * kPanelRows * kTileBytes;
    const size_t local = s * 2 * kLayoutRowTile;
    _tile_loadd(4, as, kTileBytes);
    _tile_loadd(6, b0 + s * kTileSize, kTileBytes);
    _tile_dpbusd(0, 4, 6);
    if constexpr (PAIR) {
      _tile_loadd(7, b1 + s * kTileSize, kTileBytes);
      _tile_dpbusd(1, 4, 7);
    }
    if (next.out) decodeLayoutTile(next.prepared, next.blocks, next.first, next.end, next.block, local, next.out);
    _tile_loadd(5, as + kTileSize, kTileBytes);
    _tile_dpbusd(2, 5, 6);
    if (next.out)
      decodeLayoutTile(next.prepared, next.blocks, next.first, next.end, next.block, local + kLayoutRowTile, next.out);
    if constexpr (PAIR) _tile_dpbusd(3, 5, 7);
  }
}

template <bool PAIR>
void zeroAccumulators() {
  _tile_zero(0);
  _tile_zero(2);
  if constexpr (PAIR) {
    _tile_zero(1);
    _tile_zero(3);
  }
}

// The accumulators of batch tile j (and j + 1 when PAIR) for the panel at `first` to outputs.
template <bool PAIR>
void storeAccumulators(int32_t* sums, size_t first, size_t j, const I8KernelCall& c, const float* rowScales = nullptr) {
  constexpr size_t kSums = kTileRows * kTileRows;
  _tile_stored(0, sums, kTileRows * 4);
  _tile_stored(2, sums + 2 * kSums, kTileRows * 4);
  if constexpr (PAIR) {
    _tile_stored(1, sums + kSums, kTileRows * 4);
    _tile_stored(3, sums + 3 * kSums, kTileRows * 4);
  }
  storeTile(sums, first, c.rowEnd, j * kTileRows, c, rowScales);
  storeTile(sums + 2 * kSums, first + kTileRows, c.rowEnd, j * kTileRows, c, rowScales);
  if constexpr (PAIR) {
    storeTile(sums + kSums, first, c.rowEnd, (j + 1) * kTileRows, c, rowScales);
    storeTile(sums + 3 * kSums, first + kTileRows, c.rowEnd, (j + 1) * kTileRows, c, rowScales);
  }
}

// Batch tile j (and j + 1 when PAIR) against the panel at `first`. The accumulators hold the
// panel's sums over all of k, so the blocks are decoded as the steps go, into two buffers by
// turns, and read back from L1, once per pair of batch tiles. (Decoding the panel once for
// every pair measured slower at batch 64, 0.67 against 0.57 ms: its 32 x k decoded bytes do
// not fit L1, and read back from L2 they set the pace. Emerald Rapids, 4096 x 4096 batch 64,
// 2 threads, both in one process: 0.91x. Also slower there: one weight tile against four
// batch tiles, each block decoded once for all four (five tile loads per four tdpbusd),
// 0.90-0.93x.)
template <bool PAIR>
void panelPair(const uint8_t* prepared, size_t blocks, size_t first, const int8_t* b0, const int8_t* b1, size_t j,
               uint8_t* a, int32_t* sums, const I8KernelCall& c) {
  zeroAccumulators<PAIR>();
  decodeBlock(prepared, blocks, first, c.rowEnd, 0, a);
  for (size_t block = 0; block < blocks; ++block) {
    const size_t offset = block * 4 * kTileSize;
    uint8_t* current = a + (block & 1) * kBlockABytes;
    uint8_t* following = block + 1 < blocks ? a + ((block + 1) & 1) * kBlockABytes : nullptr;
    multiplyBlock<PAIR>(current, b0 + offset, b1 + offset, {prepared, blocks, first, c.rowEnd, block + 1, following});
  }
  storeAccumulators<PAIR>(sums, first, j, c);
}

void amxGemm(const uint8_t* prepared, uint8_t* scratch, const I8KernelCall& c) {
  const size_t blocks = c.qStride / kBlockColumns, tiles = batchTiles(c.batch), bTileBytes = kTileRows * c.qStride;
  uint8_t* a = scratch;
  int8_t* b = reinterpret_cast<int8_t*>(a + 2 * kBlockABytes);
  int32_t* sums = reinterpret_cast<int32_t*>(b + tiles * bTileBytes);
  if (!c.scratchHoldsActivations) layOutActivations(c, reinterpret_cast<int32_t*>(b));
  _tile_loadconfig(&kConfig);
  for (size_t first = c.rowBegin; first < c.rowEnd; first += kPanelRows) {
    size_t j = 0;
    for (; j + 2 <= tiles; j += 2)
      panelPair<true>(prepared, blocks, first, b + j * bTileBytes, b + (j + 1) * bTileBytes, j, a, sums, c);
    if (j < tiles) panelPair<false>(prepared, blocks, first, b + j * bTileBytes, nullptr, j, a, sums, c);
  }
  // Back to the init state: the OS then need not save 8 KiB of tiles at each switch.
  _tile_release();
}

// The int8 LM head at batch > 1: tdpbssd (signed by signed) on A tiles loaded straight from
// the weight rows (qStride apart), B tiles as above. Whole 32-row panels only; the rows left
// over, and rows not a whole number of 64-byte steps, run the vpdpbusd kernel of Vnni's table.
// The head call has no scratch of its own: the B tiles live in a buffer per thread.
template <const I8KernelTable& (*Vnni)()>
void denseRows(const int8_t* weights, const float* rowScales, const I8KernelCall& c) {
  const I8KernelTable& vnni = Vnni();
  if (c.batch < kMinAmxBatch || c.qStride % kTileBytes != 0 || c.rowEnd - c.rowBegin < kPanelRows)
    return vnni.denseRows(weights, rowScales, c);
  const size_t tiles = batchTiles(c.batch), bTileBytes = kTileRows * c.qStride, steps = c.qStride / kTileBytes;
  thread_local AlignedBuffer scratch;
  const size_t bytes = tiles * bTileBytes + 4 * kTileSize;
  if (scratch.bytes() < bytes) scratch = AlignedBuffer(bytes);
  int8_t* b = scratch.as<int8_t>();
  int32_t* sums = reinterpret_cast<int32_t*>(b + tiles * bTileBytes);
  layOutActivations(c, reinterpret_cast<int32_t*>(b));
  _tile_loadconfig(&kConfig);
  size_t first = c.rowBegin;
  for (; first + kPanelRows <= c.rowEnd; first += kPanelRows) {
    const int8_t* a0 = weights + first * c.qStride;
    const int8_t* a1 = a0 + kTileRows * c.qStride;
    // The next panel's rows, asked for a 64-byte column of all 32 at each step of the first
    // pair of batch tiles, into L2: 32 row streams at once outnumber what the hardware
    // prefetcher follows, and the head's weights come from DRAM. 2B-4T batch 32, Emerald
    // Rapids, 2 threads, 5 runs alternating with the build without: LM head 30.1 -> 18.0 ms
    // a step (medians; 20.4-32.9 against 14.6-24.4), decode 297 -> 323 tokens/s.
    const int8_t* next = first + 2 * kPanelRows <= c.rowEnd ? a0 + kPanelRows * c.qStride : nullptr;
    for (size_t j = 0; j < tiles; j += 2) {
      const bool pair = j + 1 < tiles;
      const int8_t* b0 = b + j * bTileBytes;
      const int8_t* b1 = pair ? b0 + bTileBytes : b0;
      _tile_zero(0);
      _tile_zero(1);
      _tile_zero(2);
      _tile_zero(3);
      for (size_t s = 0; s < steps; ++s) {
        if (next && j == 0)
          for (size_t r = 0; r < kPanelRows; ++r)
            _mm_prefetch(reinterpret_cast<const char*>(next + r * c.qStride + s * kTileBytes), _MM_HINT_T1);
        _tile_loadd(4, a0 + s * kTileBytes, c.qStride);
        _tile_loadd(5, a1 + s * kTileBytes, c.qStride);
        _tile_loadd(6, b0 + s * kTileSize, kTileBytes);
        _tile_loadd(7, b1 + s * kTileSize, kTileBytes);
        _tile_dpbssd(0, 4, 6);
        _tile_dpbssd(1, 4, 7);
        _tile_dpbssd(2, 5, 6);
        _tile_dpbssd(3, 5, 7);
      }
      if (pair) storeAccumulators<true>(sums, first, j, c, rowScales);
      else storeAccumulators<false>(sums, first, j, c, rowScales);
    }
  }
  _tile_release();
  if (first < c.rowEnd) {
    I8KernelCall rest = c;
    rest.rowBegin = first;
    vnni.denseRows(weights, rowScales, rest);
  }
}

template <const I8KernelTable& (*Vnni)()>
void run(const uint8_t* prepared, void* scratch, const I8KernelCall& c) {
  if (c.batch < kMinAmxBatch) return Vnni().run(prepared, scratch, c);
  amxGemm(prepared, static_cast<uint8_t*>(scratch), c);
}

// Vnni's table (batch 1, the sparse and stripe kernels) with the tiles at batch > 1.
template <const I8KernelTable& (*Vnni)()>
I8KernelTable makeTable(const char* name) {
  I8KernelTable table = Vnni();
  table.name = name;
  table.threadScratchBytes = threadScratchBytes;
  table.run = run<Vnni>;
  table.denseRows = denseRows<Vnni>;
  return table;
}

}  // namespace

const I8KernelTable& amxInt8Table() {
  static const I8KernelTable table =
      makeTable<avx512VnniI8Table>("amx-int8 fused-i8: tdpbusd tiles at batch > 1 (32 weight rows x 32 batch rows per "
                                   "step); batch 1: vpdpbusd zmm (int8 activations, 2-bit code planes)");
  return table;
}

const I8KernelTable& amxInt8GfniTable() {
  static const I8KernelTable table = makeTable<avx512VnniGfniI8Table>(
      "amx-int8 fused-i8: tdpbusd tiles at batch > 1 (32 weight rows x 32 batch rows per step); batch 1: vpdpbusd zmm "
      "(int8 activations, 2-bit code planes unpacked by gf2p8affineqb)");
  return table;
}

}  // namespace bitbench
