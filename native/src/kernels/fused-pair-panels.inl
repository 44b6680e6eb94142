// The sign-bit kernel's sparse copy: batch 1 with activation sparsity over the pair words in
// column panels (kCodePairPanels, one 64-column sparse block each), only the listed nonzero
// blocks. In the tile-major layout a skipped block is 128 bytes between read ones, which the
// hardware prefetcher reads anyway: cold, the skipping kernel read as much memory as the dense
// one and paid only its arithmetic back (Zen 3, 4096 x 4096, 2 threads, 50% zero blocks: 1.35x
// dense cold against 1.91x hot). A skipped panel is never read.
//
// Included after fused-tiles.inl (fusedGemvGroup) and panel-walk.inl by ISA translation units
// whose V also has loadu(const float*); inside their anonymous namespace.

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
  const size_t groups = (c.k + kColumnsPerWord - 1) / kColumnsPerWord;
  // The sign-bit weights are 2w: half the scale.
  walkListedPanels(reinterpret_cast<const uint32_t*>(panels), groups, kPairPanelGroups, kPairPanelAheadTiles, blocks,
                   count, 0.5f * c.scale, c,
                   [&](auto streams, const auto& words, const auto& ahead, size_t width, size_t firstGroup,
                       const auto& partial, bool first) {
                     pairPanelTiles<decltype(streams)::value>(words, ahead, width, c.x + firstGroup * kColumnsPerWord,
                                                              partial, first);
                   });
}
