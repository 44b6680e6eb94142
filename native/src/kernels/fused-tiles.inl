// Fused ternary kernels over the row-tile layout (ternary-layout.h), written once against a
// small vector type `V` that each ISA translation unit defines before including this file
// inside an anonymous namespace (so every instantiation stays private to its ISA).
//
// V must provide: kLanes, kMaxBatchChunk, F (fp32 vector), I (code words vector),
// zero(), set1(float), add(F, F), mul(F, F), fma(a, b, c) = a * b + c, storeu(float*, F),
// storePartial(float*, F, count), loadWords(const uint32_t*), and
// template <int S> weights(I): code S of each lane's word as -1.0, 0.0 or +1.0.
//
// The dense weights never exist: each code is turned into a weight in a register and goes
// straight into an FMA.

using ColumnSequence = std::make_integer_sequence<int, 16>;

// Batch 1: several tiles at once share each broadcast activation; two accumulators per tile
// (even and odd columns) keep enough independent FMA chains in flight.
template <size_t TILES, int... S>
inline void fusedGemvGroup(typename V::F (&acc)[2][TILES], const typename V::I (&words)[TILES],
                           const float* xg, std::integer_sequence<int, S...>) {
  (
      [&] {
        const typename V::F xs = V::set1(xg[S]);
        for (size_t t = 0; t < TILES; ++t)
          acc[S & 1][t] = V::fma(V::template weights<S>(words[t]), xs, acc[S & 1][t]);
      }(),
      ...);
}

// Every group of a dense call.
struct AllWordGroups {
  size_t groups;
  template <typename F>
  void forEach(F&& f) const {
    for (size_t g = 0; g < groups; ++g) f(g);
  }
};

// The groups of the listed nonzero blocks (activation sparsity): a block of
// kSparseF32BlockColumns columns is exactly kGroupsPerBlock words' columns.
struct ListedWordGroups {
  static constexpr size_t kGroupsPerBlock = kSparseF32BlockColumns / kColumnsPerWord;
  static_assert(kSparseF32BlockColumns % kColumnsPerWord == 0);
  size_t groups;
  const uint32_t* blocks;
  size_t count;
  template <typename F>
  void forEach(F&& f) const {
    for (size_t i = 0; i < count; ++i) {
      const size_t begin = blocks[i] * kGroupsPerBlock;
      const size_t end = begin + kGroupsPerBlock < groups ? begin + kGroupsPerBlock : groups;
      for (size_t g = begin; g < end; ++g) f(g);
    }
  }
};

// Tiles first, first + stride, first + 2 stride, ...: see kGemvStreams.
template <size_t TILES, typename Groups = AllWordGroups>
inline void fusedGemvTiles(const uint32_t* words, size_t groups, size_t first, size_t stride,
                           const KernelCall& c, const Groups& which) {
  typename V::F acc[2][TILES];
  for (size_t t = 0; t < TILES; ++t) acc[0][t] = acc[1][t] = V::zero();
  const uint32_t* base[TILES];
  for (size_t t = 0; t < TILES; ++t) base[t] = words + tileWordOffset(first + t * stride, 0, groups, V::kLanes);
  which.forEach([&](size_t g) {
    typename V::I w[TILES];
    for (size_t t = 0; t < TILES; ++t) w[t] = V::loadWords(base[t] + g * V::kLanes);
    fusedGemvGroup<TILES>(acc, w, c.x + g * kColumnsPerWord, ColumnSequence{});
  });
  const typename V::F scale = V::set1(c.scale);
  for (size_t t = 0; t < TILES; ++t) {
    const size_t row0 = (first + t * stride) * V::kLanes;
    const typename V::F out = V::mul(V::add(acc[0][t], acc[1][t]), scale);
    if (row0 + V::kLanes <= c.n) V::storeu(c.y + row0, out);
    else V::storePartial(c.y + row0, out, c.n - row0);
  }
}

// Batch > 1: each weight vector is dequantized once and used for BC activation rows.
template <size_t BC, int... S>
inline void fusedGemmGroup(typename V::F (&acc)[BC], typename V::I words, const float* xg,
                           size_t xStride, std::integer_sequence<int, S...>) {
  (
      [&] {
        const typename V::F w = V::template weights<S>(words);
        for (size_t b = 0; b < BC; ++b) acc[b] = V::fma(w, V::set1(xg[b * xStride + S]), acc[b]);
      }(),
      ...);
}

template <size_t BC>
inline void fusedGemmTile(const uint32_t* words, size_t groups, size_t tile, size_t b0,
                          const KernelCall& c) {
  typename V::F acc[BC];
  for (size_t b = 0; b < BC; ++b) acc[b] = V::zero();
  const uint32_t* base = words + tileWordOffset(tile, 0, groups, V::kLanes);
  const float* x = c.x + b0 * c.xStride;
  for (size_t g = 0; g < groups; ++g)
    fusedGemmGroup<BC>(acc, V::loadWords(base + g * V::kLanes), x + g * kColumnsPerWord,
                       c.xStride, ColumnSequence{});
  const typename V::F scale = V::set1(c.scale);
  const size_t row0 = tile * V::kLanes;
  for (size_t b = 0; b < BC; ++b) {
    float* y = c.y + (b0 + b) * c.n + row0;
    const typename V::F out = V::mul(acc[b], scale);
    if (row0 + V::kLanes <= c.n) V::storeu(y, out);
    else V::storePartial(y, out, c.n - row0);
  }
}

template <size_t BC>
inline void fusedGemmTileChunk(const uint32_t* words, size_t groups, size_t tile, size_t b0,
                               size_t count, const KernelCall& c) {
  if constexpr (BC == 0) {
    (void)words, (void)groups, (void)tile, (void)b0, (void)count, (void)c;
  } else if (count == BC) {
    fusedGemmTile<BC>(words, groups, tile, b0, c);
  } else {
    fusedGemmTileChunk<BC - 1>(words, groups, tile, b0, count, c);
  }
}

template <typename Groups>
inline void fusedGemvRows(const uint32_t* words, size_t groups, size_t tileBegin, size_t tileEnd, const KernelCall& c,
                          const Groups& which) {
  const size_t part = streamTiles(tileEnd - tileBegin, kGemvStreams, groups * V::kLanes * sizeof(uint32_t));
  for (size_t i = 0; i < part; ++i) fusedGemvTiles<kGemvStreams>(words, groups, tileBegin + i, part, c, which);
  for (size_t t = tileBegin + kGemvStreams * part; t < tileEnd; ++t) fusedGemvTiles<1>(words, groups, t, 0, c, which);
}

// Batch 1 with activation sparsity: the dense layout, only the groups of the listed nonzero
// blocks computed. A zero block's products are all zero, and the other groups add in the
// dense kernel's order, so the outputs are the dense kernel's (short of the sign of a zero).
inline void fusedSkipZeroBlocks(const uint8_t* prepared, void*, const uint32_t* blocks, size_t count,
                                const KernelCall& c) {
  const uint32_t* words = reinterpret_cast<const uint32_t*>(prepared);
  const size_t groups = (c.k + kColumnsPerWord - 1) / kColumnsPerWord;
  fusedGemvRows(words, groups, c.rowBegin / V::kLanes, (c.rowEnd + V::kLanes - 1) / V::kLanes, c,
                ListedWordGroups{groups, blocks, count});
}

inline void fusedRunTiles(const uint8_t* prepared, void*, const KernelCall& c) {
  const uint32_t* words = reinterpret_cast<const uint32_t*>(prepared);
  const size_t groups = (c.k + kColumnsPerWord - 1) / kColumnsPerWord;
  const size_t tileBegin = c.rowBegin / V::kLanes;
  const size_t tileEnd = (c.rowEnd + V::kLanes - 1) / V::kLanes;
  if (c.batch == 1) return fusedGemvRows(words, groups, tileBegin, tileEnd, c, AllWordGroups{groups});
  for (size_t t = tileBegin; t < tileEnd; ++t)
    for (size_t b0 = 0; b0 < c.batch; b0 += V::kMaxBatchChunk) {
      const size_t count = c.batch - b0 < V::kMaxBatchChunk ? c.batch - b0 : V::kMaxBatchChunk;
      fusedGemmTileChunk<V::kMaxBatchChunk>(words, groups, t, b0, count, c);
    }
}

// For the sign-bit decode (AVX2, NEON), whose weights() yield 2w: the same kernels with the
// 1/2 folded into the output scale.
inline void signBitsRun(const uint8_t* prepared, void* scratch, const KernelCall& call) {
  KernelCall scaled = call;
  scaled.scale = 0.5f * call.scale;
  fusedRunTiles(prepared, scratch, scaled);
}

inline void signBitsSkipZeroBlocks(const uint8_t* prepared, void* scratch, const uint32_t* blocks, size_t count,
                                   const KernelCall& call) {
  KernelCall scaled = call;
  scaled.scale = 0.5f * call.scale;
  fusedSkipZeroBlocks(prepared, scratch, blocks, count, scaled);
}
