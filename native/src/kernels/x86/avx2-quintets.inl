// AVX2 fused kernels over the quintet layout (ternary-layout.h, quintet-code.h): each five
// columns are three 3-bit indexes, one into each of three 8-entry parts whose entries sum to
// the five weights, because vpermps looks up 8-entry tables and every such lookup takes the
// shuffle port that bounds batch 1.
//
// Batch 1: per call and thread, for every quintet (x0..x4), the three parts become tables of
// partial sums once: T_p[e] = sum_i W_p[e][i] x_i. Each row then adds T_0[a] + T_1[b] + T_2[c]:
// per 40 weights (8 rows x 5 columns) two or three shifts, three vpermps and three adds. The
// split triples before (two lookups per 3 columns) took 10 vpermps per 15 columns where these
// take 9: Sapphire Rapids, AVX2 forced, 2 threads, the two builds alternated run by run,
// 4096x4096 hot 1.09-1.15x, cold 1.10-1.18x, 6912x2560 1.09-1.12x; one thread 1024x4096 1.11x.
// Each runs at about one vpermps a cycle a core, the port's bound (0.173 ms: 13.6 weights a
// cycle at the 3.56 GHz measured). The adds are FMAs by 1.0: on Zen 4 they then share the FMA
// pipes rather than the shuffle pipes the lookups and shifts need (measured 0.175 against 0.230
// ms with plain adds, one thread, 2016 x 4096 hot, split triples). Zen 4 (3.62 GHz) issues two
// vpermps or two shifts a cycle, about three of the two mixed, and a vpermps with its FMA
// takes 0.75 cycles where the lookups alone take 0.5 (loops of independent instructions): with
// 8 shifts per 9 lookups the mix allows 16 weights a cycle a core, and the kernel runs 13.8
// (4096x4096 hot, 2 threads: 0.177 ms against 0.277 for the per-weight vpermps LUT it replaced,
// 1.57x; the mix's bound, 0.145 ms, would be 1.91x). Without shifts (an index a byte: 2.25x
// the bytes) the mix would stop at 17.8, 0.130 ms.
// Batch > 1: the same lookups, four activation rows at a time, each word's indexes shared by
// the four. At 13.3 multiply-adds a cycle (one vpermps of 8 rows x 5/3 weights) this beats
// decoding weights for FMA (16 a cycle at the FMA ports' peak, about 10 reached: the decode,
// 13 vpermps and 8 adds per five columns, and a broadcast per FMA). Against that decode,
// alternating call by call, 4096x4096, 2 threads, Sapphire Rapids: batch 2 4.1x, 3 2.7x, 8
// 1.17x, 13 1.32x, 64 1.39x; against the split triples' (builds alternated run by run): 2
// 3.7-3.9x, 3 2.5-2.7x, 8 1.15x, 13 1.22-1.25x, 64 1.22-1.27x. Eight rows of one tile at a
// time instead of four rows of two: batch 3 0.78x, 8 and 64 alike.
// Batch 1 with activation sparsity: the same lookups over a second copy of the weights in
// column panels (one sparse block of every tile, then the next), panel by panel, over the
// listed nonzero blocks only, tables built for their groups only. In the tile-major layout a
// skipped block is 128 bytes between read ones, which the prefetcher reads anyway (4096 x 4096
// cold from a 2 GB pool, 2 threads, Sapphire Rapids, split triples: 1.08x dense at 30% zero
// blocks, 1.11x at 50%; the panels: 1.11x and 1.45x against a dense kernel since 1.10x faster).
//
// Included by avx2.cc inside its anonymous namespace, after V.

constexpr size_t kQuintetsPerWord = kQuintetColumnsPerWord / kQuintetColumns;
constexpr size_t kQuintetLookupsPerWord = kQuintetsPerWord * kQuintetParts;
// How far ahead in each stream batch 1 asks for the weights (prefetcht0, once per 64-byte
// line: two groups of a tile): 4096x4096 cold, 2 threads, Sapphire Rapids: 0.243 -> 0.214 ms.
constexpr size_t kQuintetGemvPrefetchBytes = 1024;
// The same for the sparse kernel's panel copy, in tiles of a stream (8 tiles: 1 KiB of a panel),
// past the stream's stretch into the next listed panel's (the hardware prefetcher's streams stop
// where the skipped panels leave a gap). It asked for the next listed panel's same tile (one
// pass over the streams ahead, prefetcht1) before: Sapphire Rapids, 4096x4096 cold, 2 threads,
// 30% zero blocks 1.12x dense -> 1.16x, 50% 1.45x -> 1.50x (every one of 5 and 3 alternating
// rounds above every round of the old one; hot 1.14x -> 1.15x). Into L2 (prefetcht1), as the
// fused-i8 sparse kernel's jumps: against prefetcht0, Zen 4, 2 threads, cold, both alternating
// call by call in one process, 4096x4096 at 30% zero values 1.03-1.04x, at 50% 1.01-1.10x,
// 2560x2560 and 2560x6912 at 50% 1.04x and 1.06x, 6912x2560 1.00x; hot 1.01-1.03x. (AVX-512's
// triple panels stay on prefetcht0: there prefetcht1 ran 0.97x at 50%.) Measured with split
// triples, whose words these are in size and place.
constexpr size_t kQuintetPanelAheadTiles = 8;
constexpr size_t kQuintetTableFloats = kQuintetPartEntries;  // one vpermps table: one ymm register
constexpr size_t kQuintetGroupFloats = kQuintetLookupsPerWord * kQuintetTableFloats;
// Sparse blocks: one panel, four words' columns (60), the pairs layout's 64 as near as 15 goes.
constexpr size_t kQuintetGroupsPerBlock = kQuintetPanelGroups;
constexpr size_t kQuintetBlockColumns = kQuintetGroupsPerBlock * kQuintetColumnsPerWord;
// Batches: activation rows per pass over the weights, and tiles at once (see quintetLutGemm).
constexpr size_t kQuintetLutRows = 4;
constexpr size_t kQuintetLutStreams = 2;

// The parts' weights column by column, from which the tables are built: column[p][i] holds
// part p's weights for column i, entry by entry.
struct QuintetPartColumns {
  alignas(32) float column[kQuintetParts][kQuintetColumns][kQuintetPartEntries];
  constexpr QuintetPartColumns() : column{} {
    for (size_t p = 0; p < kQuintetParts; ++p)
      for (size_t i = 0; i < kQuintetColumns; ++i)
        for (size_t e = 0; e < kQuintetPartEntries; ++e) column[p][i][e] = kQuintetPartWeights[p][e][i];
  }
};
constexpr QuintetPartColumns kQuintetPartColumns{};

size_t quintetGroups(size_t k) { return (k + kQuintetColumnsPerWord - 1) / kQuintetColumnsPerWord; }

// The tables of kQuintetLutRows activation rows (batch 1 uses the first row's).
size_t quintetTableBytes(size_t k) { return kQuintetLutRows * quintetGroups(k) * kQuintetGroupFloats * sizeof(float); }

// Every group of a dense call.
struct AllQuintetGroups {
  size_t groups;
  template <typename F>
  void forEach(F&& f) const {
    for (size_t g = 0; g < groups; ++g) f(g);
  }
};

// The groups of the listed nonzero blocks (activation sparsity).
struct ListedQuintetGroups {
  size_t groups;
  const uint32_t* blocks;
  size_t count;
  template <typename F>
  void forEach(F&& f) const {
    for (size_t i = 0; i < count; ++i) {
      const size_t begin = blocks[i] * kQuintetGroupsPerBlock;
      const size_t end = begin + kQuintetGroupsPerBlock < groups ? begin + kQuintetGroupsPerBlock : groups;
      for (size_t g = begin; g < end; ++g) f(g);
    }
  }
};

// Part P's table for the quintet whose activations are x: the sum over the columns it uses.
template <size_t P, size_t... I>
inline __m256 quintetPartTable(const float* x, std::index_sequence<I...>) {
  __m256 table = _mm256_setzero_ps();
  (
      [&] {
        if constexpr (quintetPartUsesColumn(P, I))
          table = _mm256_fmadd_ps(_mm256_load_ps(kQuintetPartColumns.column[P][I]), _mm256_set1_ps(x[I]), table);
      }(),
      ...);
  return table;
}

// Activation row x's tables (x: the row's first column) for the groups `which` lists, group g's
// at tables + g * stride: lookup I's (quintet I / 3, part I % 3) at I * kQuintetTableFloats.
template <typename Groups>
void buildQuintetTables(const float* x, float* tables, size_t stride, const Groups& which) {
  constexpr auto columns = std::make_index_sequence<kQuintetColumns>{};
  // The activations are zero-padded to whole groups, so padding columns add nothing.
  which.forEach([&](size_t g) {
    for (size_t q = 0; q < kQuintetsPerWord; ++q) {
      const float* xq = x + g * kQuintetColumnsPerWord + kQuintetColumns * q;
      float* table = tables + g * stride + q * kQuintetParts * kQuintetTableFloats;
      _mm256_store_ps(table, quintetPartTable<0>(xq, columns));
      _mm256_store_ps(table + kQuintetTableFloats, quintetPartTable<1>(xq, columns));
      _mm256_store_ps(table + 2 * kQuintetTableFloats, quintetPartTable<2>(xq, columns));
    }
  });
}

template <typename Groups>
void buildQuintetTables(const KernelCall& c, float* tables, const Groups& which) {
  buildQuintetTables(c.x, tables, kQuintetGroupFloats, which);
}

template <int SHIFT>
inline __m256i quintetIndex(__m256i words) {
  if constexpr (SHIFT == 0) return words;
  else return _mm256_srli_epi32(words, SHIFT);
}

// Lookup I of a word (bits 3I), in table I; two accumulators per tile for two add chains.
template <size_t TILES, int... I>
inline void quintetGemvWord(__m256 (&acc)[2][TILES], const __m256i (&words)[TILES], const float* tables,
                            std::integer_sequence<int, I...>) {
  const __m256 one = _mm256_set1_ps(1.0f);
  (
      [&] {
        const __m256 table = _mm256_load_ps(tables + I * kQuintetTableFloats);
        for (size_t tile = 0; tile < TILES; ++tile)
          acc[I & 1][tile] = _mm256_fmadd_ps(
              _mm256_permutevar8x32_ps(table, quintetIndex<kQuintetIndexBits * I>(words[tile])), one, acc[I & 1][tile]);
      }(),
      ...);
}

template <size_t TILES>
inline void quintetGemvTiles(const uint32_t* words, size_t groups, size_t first, size_t stride, const float* tables,
                           const KernelCall& c) {
  __m256 acc[2][TILES];
  for (size_t t = 0; t < TILES; ++t) acc[0][t] = acc[1][t] = _mm256_setzero_ps();
  const uint32_t* base[TILES];
  for (size_t t = 0; t < TILES; ++t) base[t] = words + tileWordOffset(first + t * stride, 0, groups, V::kLanes);
  for (size_t g = 0; g < groups; ++g) {
    __m256i w[TILES];
    for (size_t t = 0; t < TILES; ++t) {
      if (g % 2 == 0) __builtin_prefetch(reinterpret_cast<const uint8_t*>(base[t] + g * V::kLanes) + kQuintetGemvPrefetchBytes, 0, 3);
      w[t] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(base[t] + g * V::kLanes));
    }
    quintetGemvWord<TILES>(acc, w, tables + g * kQuintetGroupFloats,
                         std::make_integer_sequence<int, kQuintetLookupsPerWord>{});
  }
  const __m256 scale = _mm256_set1_ps(c.scale);
  for (size_t t = 0; t < TILES; ++t) {
    const size_t row0 = (first + t * stride) * V::kLanes;
    const __m256 out = _mm256_mul_ps(_mm256_add_ps(acc[0][t], acc[1][t]), scale);
    if (row0 + V::kLanes <= c.n) V::storeu(c.y + row0, out);
    else V::storePartial(c.y + row0, out, c.n - row0);
  }
}

void quintetGemvRows(const uint32_t* words, size_t groups, const float* tables, const KernelCall& c) {
  const size_t tileBegin = c.rowBegin / V::kLanes;
  const size_t tileEnd = (c.rowEnd + V::kLanes - 1) / V::kLanes;
  const size_t part = (tileEnd - tileBegin) / kGemvStreams;
  for (size_t i = 0; i < part; ++i)
    quintetGemvTiles<kGemvStreams>(words, groups, tileBegin + i, part, tables, c);
  for (size_t t = tileBegin + kGemvStreams * part; t < tileEnd; ++t)
    quintetGemvTiles<1>(words, groups, t, 0, tables, c);
}

// Batches: the lookups of batch 1, kQuintetLutRows activation rows at a time (their tables side
// by side per group), kQuintetLutStreams tiles at once: each word's indexes are worked out once
// for its rows, and each table load serves both tiles.
template <size_t TILES, size_t ROWS, int... I>
inline void quintetLutWord(__m256 (&acc)[ROWS][TILES], const __m256i (&words)[TILES], const float* tables,
                           std::integer_sequence<int, I...>) {
  const __m256 one = _mm256_set1_ps(1.0f);
  (
      [&] {
        __m256i idx[TILES];
        for (size_t t = 0; t < TILES; ++t) idx[t] = quintetIndex<kQuintetIndexBits * I>(words[t]);
        for (size_t r = 0; r < ROWS; ++r) {
          const __m256 table = _mm256_load_ps(tables + r * kQuintetGroupFloats + I * kQuintetTableFloats);
          for (size_t t = 0; t < TILES; ++t)
            acc[r][t] = _mm256_fmadd_ps(_mm256_permutevar8x32_ps(table, idx[t]), one, acc[r][t]);
        }
      }(),
      ...);
}

template <size_t TILES, size_t ROWS>
inline void quintetLutTiles(const uint32_t* words, size_t groups, size_t first, size_t stride, const float* tables,
                            size_t b0, const KernelCall& c) {
  __m256 acc[ROWS][TILES];
  for (size_t r = 0; r < ROWS; ++r)
    for (size_t t = 0; t < TILES; ++t) acc[r][t] = _mm256_setzero_ps();
  const uint32_t* base[TILES];
  for (size_t t = 0; t < TILES; ++t) base[t] = words + tileWordOffset(first + t * stride, 0, groups, V::kLanes);
  for (size_t g = 0; g < groups; ++g) {
    __m256i w[TILES];
    for (size_t t = 0; t < TILES; ++t) {
      if (g % 2 == 0) __builtin_prefetch(reinterpret_cast<const uint8_t*>(base[t] + g * V::kLanes) + kQuintetGemvPrefetchBytes, 0, 3);
      w[t] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(base[t] + g * V::kLanes));
    }
    quintetLutWord<TILES, ROWS>(acc, w, tables + g * ROWS * kQuintetGroupFloats,
                                std::make_integer_sequence<int, kQuintetLookupsPerWord>{});
  }
  const __m256 scale = _mm256_set1_ps(c.scale);
  for (size_t r = 0; r < ROWS; ++r)
    for (size_t t = 0; t < TILES; ++t) {
      const size_t row0 = (first + t * stride) * V::kLanes;
      float* y = c.y + (b0 + r) * c.n + row0;
      const __m256 out = _mm256_mul_ps(acc[r][t], scale);
      if (row0 + V::kLanes <= c.n) V::storeu(y, out);
      else V::storePartial(y, out, c.n - row0);
    }
}

// Activation rows b0 .. b0 + ROWS: their tables (per group, the rows' side by side), then the
// thread's tiles, kQuintetLutStreams far-apart ones at a time (as quintetGemvRows).
template <size_t ROWS>
void quintetLutRows(const uint32_t* words, size_t groups, float* tables, size_t b0, const KernelCall& c) {
  for (size_t r = 0; r < ROWS; ++r)
    buildQuintetTables(c.x + (b0 + r) * c.xStride, tables + r * kQuintetGroupFloats, ROWS * kQuintetGroupFloats,
                       AllQuintetGroups{groups});
  const size_t tileBegin = c.rowBegin / V::kLanes;
  const size_t tileEnd = (c.rowEnd + V::kLanes - 1) / V::kLanes;
  const size_t part = (tileEnd - tileBegin) / kQuintetLutStreams;
  for (size_t i = 0; i < part; ++i)
    quintetLutTiles<kQuintetLutStreams, ROWS>(words, groups, tileBegin + i, part, tables, b0, c);
  for (size_t t = tileBegin + kQuintetLutStreams * part; t < tileEnd; ++t)
    quintetLutTiles<1, ROWS>(words, groups, t, 0, tables, b0, c);
}

void quintetLutGemm(const uint32_t* words, size_t groups, float* tables, const KernelCall& c) {
  static_assert(kQuintetLutRows == 4, "one case per row count");
  for (size_t b0 = 0; b0 < c.batch; b0 += kQuintetLutRows) {
    switch (c.batch - b0 < kQuintetLutRows ? c.batch - b0 : kQuintetLutRows) {
      case 1: quintetLutRows<1>(words, groups, tables, b0, c); break;
      case 2: quintetLutRows<2>(words, groups, tables, b0, c); break;
      case 3: quintetLutRows<3>(words, groups, tables, b0, c); break;
      default: quintetLutRows<4>(words, groups, tables, b0, c); break;
    }
  }
}

void quintetRun(const uint8_t* prepared, void* scratch, const KernelCall& c) {
  const uint32_t* words = reinterpret_cast<const uint32_t*>(prepared);
  const size_t groups = quintetGroups(c.k);
  if (c.batch == 1) {
    float* tables = static_cast<float*>(scratch);
    buildQuintetTables(c, tables, AllQuintetGroups{groups});
    return quintetGemvRows(words, groups, tables, c);
  }
  quintetLutGemm(words, groups, static_cast<float*>(scratch), c);
}

// TILES tiles of one panel (panel-walk.inl's PanelStep); tables: the panel's groups' tables.
template <size_t TILES>
inline void quintetGemvPanelTiles(const PanelStep& step, const float* tables) {
  for (size_t t = 0; t < TILES; ++t)
    for (size_t line = 0; line < step.width * V::kLanes * sizeof(uint32_t); line += 64)
      __builtin_prefetch(reinterpret_cast<const uint8_t*>(step.ahead + t * step.aheadStride) + line, 0, 2);
  __m256 acc[2][TILES];
  for (size_t t = 0; t < TILES; ++t) {
    acc[0][t] = step.first ? _mm256_setzero_ps() : _mm256_loadu_ps(step.sums + t * step.sumStride);
    acc[1][t] = _mm256_setzero_ps();
  }
  for (size_t j = 0; j < step.width; ++j) {
    __m256i w[TILES];
    for (size_t t = 0; t < TILES; ++t)
      w[t] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(step.words + t * step.wordStride + j * V::kLanes));
    quintetGemvWord<TILES>(acc, w, tables + j * kQuintetGroupFloats, std::make_integer_sequence<int, kQuintetLookupsPerWord>{});
  }
  for (size_t t = 0; t < TILES; ++t) _mm256_storeu_ps(step.sums + t * step.sumStride, _mm256_add_ps(acc[0][t], acc[1][t]));
}

// Batch 1 with activation sparsity, over the panel copy: only the listed nonzero blocks (the
// others' activations are all zero, and their weights are never read), tiles from far-apart
// parts of the thread's rows as in quintetGemvRows. Rows keep their sums between panels in the
// thread's own buffer (KernelCall::sums).
void quintetSkipZeroBlocks(const uint8_t* panels, void* scratch, const uint32_t* blocks, size_t count,
                         const KernelCall& c) {
  const size_t groups = quintetGroups(c.k);
  float* tables = static_cast<float*>(scratch);
  buildQuintetTables(c, tables, ListedQuintetGroups{groups, blocks, count});
  walkListedPanels(reinterpret_cast<const uint32_t*>(panels), groups, kQuintetPanelGroups, kQuintetPanelAheadTiles, blocks,
                   count, c.scale, c,
                   [&](auto streams, const PanelStep& step) {
                     quintetGemvPanelTiles<decltype(streams)::value>(step, tables + step.firstGroup * kQuintetGroupFloats);
                   });
}
