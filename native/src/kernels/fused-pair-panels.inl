// The sign-bit kernel's sparse copy: batch 1 with activation sparsity over the pair words in
// column panels (kCodePairPanels, one 64-column sparse block each), only the listed nonzero
// blocks. In the tile-major layout a skipped block is 128 bytes between read ones, which the
// hardware prefetcher reads anyway: cold, the skipping kernel read as much memory as the dense
// one and paid only its arithmetic back (Zen 3, 4096 x 4096, 2 threads, 50% zero blocks: 1.35x
// dense cold against 1.91x hot). A skipped panel is never read.
//
// Included after fused-tiles.inl (fusedGemvGroup) by ISA translation units whose V also has
// loadu(const float*); inside their anonymous namespace.

// How far ahead, in tiles of a stream, the words are asked for (into L2: prefetcht1), past the
// stream's stretch into the next listed panel's: 8 tiles of 4 words of 8 rows is 1 KiB.
constexpr size_t kPairPanelAheadTiles = 8;

// TILES tiles of one panel, tile[t]'s `width` words at words[t], their sums so far in
// partial[t] (none yet when `first`); ahead[t]: words asked for while these are read.
template <size_t TILES>
inline void pairPanelTiles(const uint32_t* const (&words)[TILES], const uint32_t* const (&ahead)[TILES], size_t width,
                           const float* x, float* const (&partial)[TILES], bool first) {
  for (size_t t = 0; t < TILES; ++t)
    for (size_t line = 0; line < width * V::kLanes * sizeof(uint32_t); line += 64)
      __builtin_prefetch(reinterpret_cast<const uint8_t*>(ahead[t]) + line, 0, 2);
  typename V::F acc[2][TILES];
  for (size_t t = 0; t < TILES; ++t) {
    acc[0][t] = first ? V::zero() : V::loadu(partial[t]);
    acc[1][t] = V::zero();
  }
  for (size_t j = 0; j < width; ++j) {
    typename V::I w[TILES];
    for (size_t t = 0; t < TILES; ++t) w[t] = V::loadWords(words[t] + j * V::kLanes);
    fusedGemvGroup<TILES>(acc, w, x + j * kColumnsPerWord, ColumnSequence{});
  }
  for (size_t t = 0; t < TILES; ++t) V::storeu(partial[t], V::add(acc[0][t], acc[1][t]));
}

// Panel after listed panel, tiles from far-apart parts of the thread's rows at once (as
// fusedGemvRows); rows keep their sums in y between panels. The sums add in another order than
// the dense kernel's (a panel's sum joins the running one), so outputs agree to rounding.
inline void signBitsSkipZeroPanels(const uint8_t* panels, void*, const uint32_t* blocks, size_t count,
                                     const KernelCall& c) {
  static_assert(kPairPanelGroups * kColumnsPerWord == kSparseF32BlockColumns);
  static_assert(kGemvStreams == 4, "the stream arrays below list four");
  const uint32_t* words = reinterpret_cast<const uint32_t*>(panels);
  const size_t groups = (c.k + kColumnsPerWord - 1) / kColumnsPerWord;
  const size_t tiles = (c.n + V::kLanes - 1) / V::kLanes;
  const size_t tileBegin = c.rowBegin / V::kLanes;
  const size_t tileEnd = (c.rowEnd + V::kLanes - 1) / V::kLanes;
  // The matrix's last tile, when part of it lies past n, keeps its sums here.
  alignas(64) float tail[V::kLanes];
  auto partialOf = [&](size_t tile) { return (tile + 1) * V::kLanes <= c.n ? c.y + tile * V::kLanes : tail; };
  constexpr size_t S = kGemvStreams;
  const size_t part = (tileEnd - tileBegin) / S;
  auto panelStart = [&](size_t firstGroup) {
    return words + panelWordOffset(0, firstGroup, groups, tiles, V::kLanes, kPairPanelGroups);
  };
  for (size_t i = 0; i < count; ++i) {
    const size_t firstGroup = blocks[i] * kPairPanelGroups;
    const size_t width = panelWidth(firstGroup, groups, kPairPanelGroups);
    const uint32_t* panel = panelStart(firstGroup);
    const float* x = c.x + firstGroup * kColumnsPerWord;
    const size_t stride = part * width * V::kLanes;
    // The next listed panel (this one again after the last: a harmless hint).
    const size_t nextGroup = (i + 1 < count ? blocks[i + 1] : blocks[i]) * kPairPanelGroups;
    const uint32_t* next = panelStart(nextGroup);
    const size_t nextWidth = panelWidth(nextGroup, groups, kPairPanelGroups);
    const size_t nextStride = part * nextWidth * V::kLanes;
    for (size_t j = 0; j < part; ++j) {
      const size_t t = tileBegin + j;
      const uint32_t* w0 = panel + t * width * V::kLanes;
      // kPairPanelAheadTiles on in each stream: in this panel, or past the stream's end in the next.
      const size_t d = j + kPairPanelAheadTiles;
      const bool here = d < part;
      const uint32_t* n0 =
          here ? panel + (tileBegin + d) * width * V::kLanes : next + (tileBegin + d - part) * nextWidth * V::kLanes;
      const size_t aheadStride = here ? stride : nextStride;
      const uint32_t* const tileWords[S] = {w0, w0 + stride, w0 + 2 * stride, w0 + 3 * stride};
      const uint32_t* const ahead[S] = {n0, n0 + aheadStride, n0 + 2 * aheadStride, n0 + 3 * aheadStride};
      float* const partial[S] = {partialOf(t), partialOf(t + part), partialOf(t + 2 * part), partialOf(t + 3 * part)};
      pairPanelTiles<S>(tileWords, ahead, width, x, partial, i == 0);
    }
    for (size_t t = tileBegin + S * part; t < tileEnd; ++t) {
      const uint32_t* const tileWords[1] = {panel + t * width * V::kLanes};
      const uint32_t* const ahead[1] = {next + t * nextWidth * V::kLanes};
      float* const partial[1] = {partialOf(t)};
      pairPanelTiles<1>(tileWords, ahead, width, x, partial, i == 0);
    }
  }
  // The sign-bit weights are 2w: half the scale.
  const typename V::F scale = V::set1(0.5f * c.scale);
  for (size_t t = tileBegin; t < tileEnd; ++t) {
    const size_t row0 = t * V::kLanes;
    // No block at all (every activation zero): every sum is zero.
    const typename V::F out = count == 0 ? V::zero() : V::mul(V::loadu(partialOf(t)), scale);
    if (row0 + V::kLanes <= c.n) V::storeu(c.y + row0, out);
    else V::storePartial(c.y + row0, out, c.n - row0);
  }
}
