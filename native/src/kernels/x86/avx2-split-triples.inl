// AVX2 fused kernels over the split-triple layout (ternary-layout.h): each triple of columns
// is two 3-bit indexes, because vpermps looks up 8-entry tables and 27 combinations need two
// of them (8 x 8 >= 27; one 8-entry table per pair of columns would need 9).
//
// Batch 1: per call and thread, for every triple (x0, x1, x2), two tables of partial sums are
// built once: A[a] = w0 x0 + w1 x1 over the 8 pairs kept, B[b] = w2 x2 (+ 2 (x1 - x0) for the
// pair stored swapped). Each row then adds A[a] + B[b]: per 24 weights (8 rows x 3 columns)
// two shifts, two vpermps and two adds, against three shifts, three ANDs and three FMAs of
// the sign-bit decode. The adds are FMAs by 1.0: on Zen 4 they then share the FMA pipes rather
// than the shuffle pipes the lookups and shifts need (measured 0.175 against 0.230 ms with
// plain adds, one thread, 2016 x 4096 hot).
// Batch > 1 (FMA-bound): the indexes become three weight vectors (five vpermps of constant
// tables and two adds), each reused by up to kMaxBatchChunk activation rows.
// Batch 1 with activation sparsity: the same lookups over a second copy of the weights in
// column panels (one sparse block of every tile, then the next), panel by panel, over the
// listed nonzero blocks only, tables built for their groups only. In the tile-major layout a
// skipped block is 128 bytes between read ones, which the prefetcher reads anyway (4096 x 4096
// cold from a 2 GB pool, 2 threads, Sapphire Rapids: 1.08x dense at 30% zero blocks, 1.11x at
// 50%; the panels: 1.11x and 1.45x against a dense kernel since 1.10x faster).
//
// Included by avx2.cc inside its anonymous namespace, after V.

constexpr size_t kSplitTriplesPerWord = kSplitTripleColumnsPerWord / 3;
// How far ahead in each stream batch 1 asks for the weights (prefetcht0, once per 64-byte
// line: two groups of a tile): 4096x4096 cold, 2 threads, Sapphire Rapids: 0.243 -> 0.214 ms.
constexpr size_t kSplitGemvPrefetchBytes = 1024;
// The same for the sparse kernel's panel copy, in tiles of a stream (8 tiles: 1 KiB of a panel),
// past the stream's stretch into the next listed panel's (the hardware prefetcher's streams stop
// where the skipped panels leave a gap). It asked for the next listed panel's same tile (one
// pass over the streams ahead, prefetcht1) before: Sapphire Rapids, 4096x4096 cold, 2 threads,
// 30% zero blocks 1.12x dense -> 1.16x, 50% 1.45x -> 1.50x (every one of 5 and 3 alternating
// rounds above every round of the old one; hot 1.14x -> 1.15x). Into L2 (prefetcht1), as the
// fused-i8 sparse kernel's jumps: against prefetcht0, Zen 4, 2 threads, cold, both alternating
// call by call in one process, 4096x4096 at 30% zero values 1.03-1.04x, at 50% 1.01-1.10x,
// 2560x2560 and 2560x6912 at 50% 1.04x and 1.06x, 6912x2560 1.00x; hot 1.01-1.03x. (AVX-512's
// triple panels stay on prefetcht0: there prefetcht1 ran 0.97x at 50%.)
constexpr size_t kSplitPanelAheadTiles = 8;
constexpr size_t kSplitTableFloats = 8;  // one vpermps table: one ymm register
constexpr size_t kSplitGroupFloats = kSplitTriplesPerWord * 2 * kSplitTableFloats;
// Sparse blocks: one panel, four words' columns (60), the pairs layout's 64 as near as 15 goes.
constexpr size_t kSplitGroupsPerBlock = kSplitPanelGroups;
constexpr size_t kSplitBlockColumns = kSplitGroupsPerBlock * kSplitTripleColumnsPerWord;

// The weights each index stands for (ternary-layout.h), as vpermps tables: pair index a ->
// (w0, w1) of the pair kept; b -> w2, and the swap flag (0 or 1) of the pair.
constexpr int splitPairCode(int a) { return a < static_cast<int>(kSplitPairSwapped) ? a : a + 1; }
struct SplitWeights {
  alignas(32) float pairW0[8];
  alignas(32) float pairW1[8];
  alignas(32) float thirdW2[8];
  alignas(32) float swapped[8];
  // The swap turns the stored (+1, -1) into (-1, +1): w0 - 2 and w1 + 2.
  alignas(32) float swapW0[8];
  alignas(32) float swapW1[8];
  constexpr SplitWeights() : pairW0{}, pairW1{}, thirdW2{}, swapped{}, swapW0{}, swapW1{} {
    for (int i = 0; i < 8; ++i) {
      pairW0[i] = static_cast<float>(splitPairCode(i) % 3 - 1);
      pairW1[i] = static_cast<float>(splitPairCode(i) / 3 - 1);
      const bool used = i < 6;
      thirdW2[i] = used ? static_cast<float>(i % 3 - 1) : 0.0f;
      swapped[i] = used && i >= 3 ? 1.0f : 0.0f;
      swapW0[i] = -2.0f * swapped[i];
      swapW1[i] = 2.0f * swapped[i];
    }
  }
};
constexpr SplitWeights kSplitWeights{};

size_t splitGroups(size_t k) { return (k + kSplitTripleColumnsPerWord - 1) / kSplitTripleColumnsPerWord; }

size_t splitTableBytes(size_t k) { return splitGroups(k) * kSplitGroupFloats * sizeof(float); }

// Every group of a dense call.
struct AllSplitGroups {
  size_t groups;
  template <typename F>
  void forEach(F&& f) const {
    for (size_t g = 0; g < groups; ++g) f(g);
  }
};

// The groups of the listed nonzero blocks (activation sparsity).
struct ListedSplitGroups {
  size_t groups;
  const uint32_t* blocks;
  size_t count;
  template <typename F>
  void forEach(F&& f) const {
    for (size_t i = 0; i < count; ++i) {
      const size_t begin = blocks[i] * kSplitGroupsPerBlock;
      const size_t end = begin + kSplitGroupsPerBlock < groups ? begin + kSplitGroupsPerBlock : groups;
      for (size_t g = begin; g < end; ++g) f(g);
    }
  }
};

// Group g's tables at tables + g * kSplitGroupFloats: triple t's A then B.
template <typename Groups>
void buildSplitTables(const KernelCall& c, float* tables, const Groups& which) {
  const __m256 w0 = _mm256_load_ps(kSplitWeights.pairW0), w1 = _mm256_load_ps(kSplitWeights.pairW1);
  const __m256 w2 = _mm256_load_ps(kSplitWeights.thirdW2), swapped = _mm256_load_ps(kSplitWeights.swapped);
  // The activations are zero-padded to whole groups, so padding columns add nothing.
  which.forEach([&](size_t g) {
    for (size_t t = 0; t < kSplitTriplesPerWord; ++t) {
      const float* x = c.x + g * kSplitTripleColumnsPerWord + 3 * t;
      float* table = tables + g * kSplitGroupFloats + t * 2 * kSplitTableFloats;
      const __m256 pair = _mm256_fmadd_ps(w1, _mm256_set1_ps(x[1]), _mm256_mul_ps(w0, _mm256_set1_ps(x[0])));
      // Doubling is exact: the correction is 2 (x1 - x0) rounded once.
      const __m256 swap = _mm256_mul_ps(swapped, _mm256_set1_ps(2.0f * (x[1] - x[0])));
      _mm256_store_ps(table, pair);
      _mm256_store_ps(table + kSplitTableFloats, _mm256_fmadd_ps(w2, _mm256_set1_ps(x[2]), swap));
    }
  });
}

template <int SHIFT>
inline __m256i splitIndex(__m256i words) {
  if constexpr (SHIFT == 0) return words;
  else return _mm256_srli_epi32(words, SHIFT);
}

// Lookup I of a word: the A table of triple I / 2 for even I, its B table for odd I.
template <size_t TILES, int... I>
inline void splitGemvWord(__m256 (&acc)[2][TILES], const __m256i (&words)[TILES], const float* tables,
                          std::integer_sequence<int, I...>) {
  const __m256 one = _mm256_set1_ps(1.0f);
  (
      [&] {
        const __m256 table = _mm256_load_ps(tables + I * kSplitTableFloats);
        for (size_t tile = 0; tile < TILES; ++tile)
          acc[I & 1][tile] =
              _mm256_fmadd_ps(_mm256_permutevar8x32_ps(table, splitIndex<3 * I>(words[tile])), one, acc[I & 1][tile]);
      }(),
      ...);
}

// Tiles first, first + stride, ...: see kGemvStreams.
template <size_t TILES>
inline void splitGemvTiles(const uint32_t* words, size_t groups, size_t first, size_t stride, const float* tables,
                           const KernelCall& c) {
  __m256 acc[2][TILES];
  for (size_t t = 0; t < TILES; ++t) acc[0][t] = acc[1][t] = _mm256_setzero_ps();
  const uint32_t* base[TILES];
  for (size_t t = 0; t < TILES; ++t) base[t] = words + tileWordOffset(first + t * stride, 0, groups, V::kLanes);
  for (size_t g = 0; g < groups; ++g) {
    __m256i w[TILES];
    for (size_t t = 0; t < TILES; ++t) {
      if (g % 2 == 0) __builtin_prefetch(reinterpret_cast<const uint8_t*>(base[t] + g * V::kLanes) + kSplitGemvPrefetchBytes, 0, 3);
      w[t] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(base[t] + g * V::kLanes));
    }
    splitGemvWord<TILES>(acc, w, tables + g * kSplitGroupFloats,
                         std::make_integer_sequence<int, 2 * kSplitTriplesPerWord>{});
  }
  const __m256 scale = _mm256_set1_ps(c.scale);
  for (size_t t = 0; t < TILES; ++t) {
    const size_t row0 = (first + t * stride) * V::kLanes;
    const __m256 out = _mm256_mul_ps(_mm256_add_ps(acc[0][t], acc[1][t]), scale);
    if (row0 + V::kLanes <= c.n) V::storeu(c.y + row0, out);
    else V::storePartial(c.y + row0, out, c.n - row0);
  }
}

void splitGemvRows(const uint32_t* words, size_t groups, const float* tables, const KernelCall& c) {
  const size_t tileBegin = c.rowBegin / V::kLanes;
  const size_t tileEnd = (c.rowEnd + V::kLanes - 1) / V::kLanes;
  const size_t part = (tileEnd - tileBegin) / kGemvStreams;
  for (size_t i = 0; i < part; ++i)
    splitGemvTiles<kGemvStreams>(words, groups, tileBegin + i, part, tables, c);
  for (size_t t = tileBegin + kGemvStreams * part; t < tileEnd; ++t)
    splitGemvTiles<1>(words, groups, t, 0, tables, c);
}

template <size_t BC, int... T>
inline void splitGemmWord(__m256 (&acc)[BC], __m256i words, const float* x, size_t xStride,
                          std::integer_sequence<int, T...>) {
  (
      [&] {
        const __m256i a = splitIndex<6 * T>(words);
        const __m256i b = _mm256_srli_epi32(words, 6 * T + 3);
        const __m256 w0 = _mm256_add_ps(_mm256_permutevar8x32_ps(_mm256_load_ps(kSplitWeights.pairW0), a),
                                        _mm256_permutevar8x32_ps(_mm256_load_ps(kSplitWeights.swapW0), b));
        const __m256 w1 = _mm256_add_ps(_mm256_permutevar8x32_ps(_mm256_load_ps(kSplitWeights.pairW1), a),
                                        _mm256_permutevar8x32_ps(_mm256_load_ps(kSplitWeights.swapW1), b));
        const __m256 w2 = _mm256_permutevar8x32_ps(_mm256_load_ps(kSplitWeights.thirdW2), b);
        for (size_t r = 0; r < BC; ++r) {
          const float* xr = x + r * xStride + 3 * T;
          acc[r] = _mm256_fmadd_ps(w0, _mm256_set1_ps(xr[0]), acc[r]);
          acc[r] = _mm256_fmadd_ps(w1, _mm256_set1_ps(xr[1]), acc[r]);
          acc[r] = _mm256_fmadd_ps(w2, _mm256_set1_ps(xr[2]), acc[r]);
        }
      }(),
      ...);
}

template <size_t BC>
inline void splitGemmTile(const uint32_t* words, size_t groups, size_t tile, size_t b0, const KernelCall& c) {
  __m256 acc[BC];
  for (size_t r = 0; r < BC; ++r) acc[r] = _mm256_setzero_ps();
  const uint32_t* base = words + tileWordOffset(tile, 0, groups, V::kLanes);
  const float* x = c.x + b0 * c.xStride;
  for (size_t g = 0; g < groups; ++g)
    splitGemmWord<BC>(acc, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(base + g * V::kLanes)),
                      x + g * kSplitTripleColumnsPerWord, c.xStride,
                      std::make_integer_sequence<int, kSplitTriplesPerWord>{});
  const __m256 scale = _mm256_set1_ps(c.scale);
  const size_t row0 = tile * V::kLanes;
  for (size_t r = 0; r < BC; ++r) {
    float* y = c.y + (b0 + r) * c.n + row0;
    const __m256 out = _mm256_mul_ps(acc[r], scale);
    if (row0 + V::kLanes <= c.n) V::storeu(y, out);
    else V::storePartial(y, out, c.n - row0);
  }
}

template <size_t BC>
inline void splitGemmTileChunk(const uint32_t* words, size_t groups, size_t tile, size_t b0, size_t count,
                               const KernelCall& c) {
  if constexpr (BC == 0) {
    (void)words, (void)groups, (void)tile, (void)b0, (void)count, (void)c;
  } else if (count == BC) {
    splitGemmTile<BC>(words, groups, tile, b0, c);
  } else {
    splitGemmTileChunk<BC - 1>(words, groups, tile, b0, count, c);
  }
}

void splitRun(const uint8_t* prepared, void* scratch, const KernelCall& c) {
  const uint32_t* words = reinterpret_cast<const uint32_t*>(prepared);
  const size_t groups = splitGroups(c.k);
  if (c.batch == 1) {
    float* tables = static_cast<float*>(scratch);
    buildSplitTables(c, tables, AllSplitGroups{groups});
    return splitGemvRows(words, groups, tables, c);
  }
  const size_t tileBegin = c.rowBegin / V::kLanes;
  const size_t tileEnd = (c.rowEnd + V::kLanes - 1) / V::kLanes;
  for (size_t t = tileBegin; t < tileEnd; ++t)
    for (size_t b0 = 0; b0 < c.batch; b0 += V::kMaxBatchChunk) {
      const size_t count = c.batch - b0 < V::kMaxBatchChunk ? c.batch - b0 : V::kMaxBatchChunk;
      splitGemmTileChunk<V::kMaxBatchChunk>(words, groups, t, b0, count, c);
    }
}

// TILES tiles of one panel (panel-walk.inl's PanelStep); tables: the panel's groups' tables.
template <size_t TILES>
inline void splitGemvPanelTiles(const PanelStep& step, const float* tables) {
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
    splitGemvWord<TILES>(acc, w, tables + j * kSplitGroupFloats, std::make_integer_sequence<int, 2 * kSplitTriplesPerWord>{});
  }
  for (size_t t = 0; t < TILES; ++t) _mm256_storeu_ps(step.sums + t * step.sumStride, _mm256_add_ps(acc[0][t], acc[1][t]));
}

// Batch 1 with activation sparsity, over the panel copy: only the listed nonzero blocks (the
// others' activations are all zero, and their weights are never read), tiles from far-apart
// parts of the thread's rows as in splitGemvRows. Rows keep their sums between panels in the
// thread's own buffer (KernelCall::sums).
void splitSkipZeroBlocks(const uint8_t* panels, void* scratch, const uint32_t* blocks, size_t count,
                         const KernelCall& c) {
  const size_t groups = splitGroups(c.k);
  float* tables = static_cast<float*>(scratch);
  buildSplitTables(c, tables, ListedSplitGroups{groups, blocks, count});
  walkListedPanels(reinterpret_cast<const uint32_t*>(panels), groups, kSplitPanelGroups, kSplitPanelAheadTiles, blocks,
                   count, c.scale, c,
                   [&](auto streams, const PanelStep& step) {
                     splitGemvPanelTiles<decltype(streams)::value>(step, tables + step.firstGroup * kSplitGroupFloats);
                   });
}
