// The fused-i8 sparse GEMV (batch 1) over the column-block layout (sparse-layout.h), written
// once against the same `V` as i8-tiles.inl and included right after it. Only the column
// blocks listed in `blocks` are read: the others' activations are all zero, so their products
// are zero and the integer dot is bitwise the dense kernel's.
//
// Order: the thread's rows in groups of kSparseRowGroup; for each group, the listed blocks
// four at a time, each a long sequential stream down the group's rows (four streams per
// thread: two ran 1.03x dense on avx512-vnni where four ran 1.2x, and 1.07-1.14x on avx2
// against 1.23x; Zen 4, 4096x4096 cold, 30% zero blocks). Each row's products of a step
// gather in registers and fold once into its int32 accumulator in scratch (L2), one vector
// loaded and stored per row and step. Each stream asks for its weights ahead in software
// where the dense kernel does (Emerald Rapids, 16 vCPUs, 4096x4096 cold at 30% zero blocks,
// 2 threads: 1.06x dense without, 1.32x with 1 KiB ahead, 1.30x with 2 KiB), and on the
// hardware prefetcher alone where that is faster (Zen 4). Where 16 vector registers cannot
// hold four blocks' activations (avx2, avx-vnni), the multiplies take them from L1 as memory
// operands.
//
// The layout before, tiles of 64 rows whose 4 KiB chunks were read four at a time with
// software prefetch of the next ones and two-register partials in L1, ran slower per byte
// than dense. Zen 4, 2 threads, dense/sparse, interleaved: avx512-vnni 4096x4096 cold 1.16x ->
// 1.25-1.32x at 30% zero blocks and 1.52x -> 1.63-1.77x at 50%, hot 1.05x -> 1.28-1.30x;
// avx512 hot 1.35x -> 1.53x; avx2 cold about equal (1.19-1.31x either way), hot 1.31x -> 1.45x.
// Emerald Rapids (avx512-vnni, 2 and 16 threads), GEMV about equal: 1.34x and 1.19x at 30%,
// 1.66x and 1.48x at 50%, against 1.33-1.38x, 1.17-1.19x, 1.76-1.82x, 1.48-1.50x; but the 2B-4T
// decode with top-k-blocks 0.7 at 1.15-1.17x dense with 2 threads against 1.06-1.08x.

template <size_t G, bool FIRST, size_t PREFETCH>
inline void i8SparseStep(const uint8_t* prepared, size_t n, const uint32_t* blocks, size_t rowBegin, size_t rowEnd,
                         const int8_t* q, typename V::Acc* acc) {
  using A = GemvAccumulator<V>;
  typename V::I a[G][kI8PlanesPerBlock];
  const uint8_t* w[G];
  for (size_t g = 0; g < G; ++g) {
    const int8_t* qb = q + blocks[g] * kI8PlanesPerBlock * V::kBytes;
    for (size_t s = 0; s < kI8PlanesPerBlock; ++s) a[g][s] = V::load(qb + s * V::kBytes);
    w[g] = prepared + sparsePlaneOffset(blocks[g], rowBegin, n, V::kBytes);
  }
  constexpr size_t kRowsPerLine = V::kBytes >= 64 ? 1 : 64 / V::kBytes;
  for (size_t r = 0; r < rowEnd - rowBegin; ++r) {
    if constexpr (PREFETCH > 0)
      if (r % kRowsPerLine == 0)
        for (size_t g = 0; g < G; ++g) __builtin_prefetch(w[g] + r * V::kBytes + PREFETCH, 0, 3);
    typename A::P partial = A::zero();
    for (size_t g = 0; g < G; ++g) A::add(partial, V::load(w[g] + r * V::kBytes), a[g]);
    typename V::Acc total = FIRST ? V::accZero() : acc[r];
    A::flush(total, partial);
    acc[r] = total;
  }
}

// PREFETCH: how far ahead each stream asks for its weights in software, as the dense batch-1
// kernel (0: the hardware prefetcher alone).
template <size_t PREFETCH = i8GemvPrefetchBytes<V>()>
void i8SparseRun(const uint8_t* prepared, void* scratch, const uint32_t* blocks, size_t count, const I8KernelCall& c) {
  static_assert(kSparseRowGroup * sizeof(typename V::Acc) + 2 * kSparseAliasPage <= kSparseThreadScratchBytes);
  // Four blocks per step fit every partial (kPartialSteps / 4 blocks at least 16).
  static_assert(V::kPartialSteps / kI8PlanesPerBlock >= 4);
  // The accumulators start half a page from where the weight streams sit within a page (all
  // of them where n * planeBytes is a multiple of 4 KiB, as in every 2B-4T matrix): a load
  // whose address matches an earlier, unfinished store in its low 12 bits waits for it (4K
  // aliasing), and acc[r] one row behind the loads of row r + 1 did exactly that wherever the
  // scratch began on a page boundary plus one line, as a fresh mapping from malloc does (Zen 4,
  // 4096x4096 hot at 30% zero blocks: the first benchmark of a process 0.98x dense, later ones
  // 1.26x; one thread 0.94x against 1.29x).
  const uintptr_t streams = reinterpret_cast<uintptr_t>(prepared + sparsePlaneOffset(0, c.rowBegin, c.n, V::kBytes));
  const uintptr_t base = reinterpret_cast<uintptr_t>(scratch);
  uintptr_t start = base - base % kSparseAliasPage + (streams + kSparseAliasPage / 2) % kSparseAliasPage;
  if (start < base) start += kSparseAliasPage;
  start = (start + alignof(typename V::Acc) - 1) / alignof(typename V::Acc) * alignof(typename V::Acc);
  typename V::Acc* acc = reinterpret_cast<typename V::Acc*>(start);
  for (size_t begin = c.rowBegin; begin < c.rowEnd; begin += kSparseRowGroup) {
    const size_t end = c.rowEnd - begin < kSparseRowGroup ? c.rowEnd : begin + kSparseRowGroup;
    size_t i = 0;
    auto step = [&](auto blocksInStep) {
      constexpr size_t G = decltype(blocksInStep)::value;
      if (i == 0)
        i8SparseStep<G, true, PREFETCH>(prepared, c.n, blocks + i, begin, end, c.q, acc);
      else
        i8SparseStep<G, false, PREFETCH>(prepared, c.n, blocks + i, begin, end, c.q, acc);
      i += G;
    };
    while (i + 4 <= count) step(std::integral_constant<size_t, 4>{});
    // The rest in one step: each step loads and stores every row's accumulator.
    if (count - i == 3) step(std::integral_constant<size_t, 3>{});
    if (count - i == 2) step(std::integral_constant<size_t, 2>{});
    if (count - i == 1) step(std::integral_constant<size_t, 1>{});
    for (size_t r = begin; r < end; ++r) storeRow(c, 0, r, count ? V::hsum(acc[r - begin]) : 0);
  }
}
