// The fused-i8 sparse GEMV (batch 1) over the column-block layout (sparse-layout.h), written
// once against the same `V` as i8-tiles.inl and included right after it. Only the column
// blocks listed in `blocks` are read: the others' activations are all zero, so their products
// are zero and the integer dot is bitwise the dense kernel's.
//
// Order: for each pair of listed blocks, every row of the tile (two contiguous 4 KiB chunks
// streaming at once), the rows' partial sums kept in an L1 array between blocks. Registers
// cannot hold a partial for each of a tile's 64-256 rows, and walking the blocks row group by
// row group would jump 4 KiB every 256 bytes, a pattern the prefetcher does not follow.
// Nor does it follow a jump over skipped chunks (its streams stop at a page), so the step
// prefetches the next listed chunks, line by line, while it reads the current ones, into L2
// (prefetcht1: from DRAM, 4096x4096 with a 2 GB cold pool, Sapphire Rapids, 1.03-1.05x
// prefetcht0, which a 256 MB pool, partly in its 480 MiB L3, had shown the other way round).

template <size_t G>
inline void i8SparseStep(const uint8_t* tileBase, const uint32_t* blocks, const uint8_t* const* next, size_t rowBegin,
                         size_t rowEnd, const int8_t* q, typename GemvAccumulator<V>::P* p) {
  constexpr size_t kRowsPerLine = V::kBytes >= 64 ? 1 : 64 / V::kBytes;
  constexpr size_t M = sparseRowTile(V::kBytes);
  using A = GemvAccumulator<V>;
  typename V::I a[G][kI8PlanesPerBlock];
  const uint8_t* w[G];
  for (size_t g = 0; g < G; ++g) {
    const int8_t* qb = q + blocks[g] * kI8PlanesPerBlock * V::kBytes;
    for (size_t s = 0; s < kI8PlanesPerBlock; ++s) a[g][s] = V::load(qb + s * V::kBytes);
    w[g] = tileBase + blocks[g] * M * V::kBytes;
  }
  for (size_t r = rowBegin; r < rowEnd; ++r) {
    if (r % kRowsPerLine == 0)
      for (size_t g = 0; g < G; ++g) __builtin_prefetch(next[g] + r * V::kBytes, 0, 2);
    typename A::P partial = p[r];
    for (size_t g = 0; g < G; ++g) A::add(partial, V::load(w[g] + r * V::kBytes), a[g]);
    p[r] = partial;
  }
}

inline void i8SparseRun(const uint8_t* prepared, const uint32_t* blocks, size_t count, const I8KernelCall& c) {
  constexpr size_t M = sparseRowTile(V::kBytes);
  static_assert(M % V::kRowTile == 0);
  using A = GemvAccumulator<V>;
  // Blocks a partial may take before it must be flushed into the int32 accumulator.
  constexpr size_t kChunkBlocks = V::kPartialSteps / kI8PlanesPerBlock;
  // Blocks per step: each step loads and stores the rows' partials once, so more blocks per
  // step cost fewer of those; four where 32 vector registers hold their activations (the
  // ISAs whose GEMM takes four rows at once), else two.
  constexpr size_t kWanted = i8GemmBatchTile<V>() == 4 ? 4 : 2;
  constexpr size_t kPair = kChunkBlocks >= kWanted ? kWanted : 1;
  const size_t allBlocks = i8Blocks(c);
  alignas(64) typename A::P p[M];
  alignas(64) typename V::Acc acc[M];
  for (size_t tile = c.rowBegin / M; tile * M < c.rowEnd; ++tile) {
    const size_t first = tile * M;
    const size_t r0 = c.rowBegin > first ? c.rowBegin - first : 0;
    const size_t r1 = c.rowEnd < first + M ? c.rowEnd - first : M;
    const uint8_t* tileBase = prepared + tile * allBlocks * M * V::kBytes;
    for (size_t r = r0; r < r1; ++r) acc[r] = V::accZero(), p[r] = A::zero();
    size_t held = 0;
    auto flushAll = [&] {
      for (size_t r = r0; r < r1; ++r) A::flush(acc[r], p[r]), p[r] = A::zero();
      held = 0;
    };
    // The chunks after block i: later in this tile, else the first of the next tile.
    const uint8_t* next[kPair];
    auto aim = [&](size_t i) {
      for (size_t g = 0; g < kPair; ++g) {
        const size_t j = i + g;
        next[g] = j < count ? tileBase + blocks[j] * M * V::kBytes
                            : tileBase + allBlocks * M * V::kBytes + blocks[(j - count) % count] * M * V::kBytes;
      }
    };
    size_t i = 0;
    auto step = [&](auto blocksInStep) {
      constexpr size_t G = decltype(blocksInStep)::value;
      if (held + G > kChunkBlocks) flushAll();
      aim(i + G);
      i8SparseStep<G>(tileBase, blocks + i, next, r0, r1, c.q, p);
      held += G;
      i += G;
    };
    while (i + kPair <= count) step(std::integral_constant<size_t, kPair>{});
    // The rest in as few steps as fit: each step loads and stores every row's partial. (11
    // listed blocks of 16 ran as 4 + 4 + 1 + 1 + 1: 4096x4096 cold at 31% zero blocks, Zen 5
    // with AVX-512 VNNI, 1.06-1.09x dense; as 4 + 4 + 3, 1.17-1.20x.)
    if constexpr (kPair >= 3)
      if (count - i == 3) step(std::integral_constant<size_t, 3>{});
    if constexpr (kPair >= 2)
      if (count - i >= 2) step(std::integral_constant<size_t, 2>{});
    if (i < count) step(std::integral_constant<size_t, 1>{});
    flushAll();
    for (size_t r = r0; r < r1; ++r) storeRow(c, 0, first + r, V::hsum(acc[r]));
  }
}
