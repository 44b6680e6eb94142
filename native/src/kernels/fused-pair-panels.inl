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

// TILES tiles of one panel (panel-walk.inl's PanelStep); x: the panel's activations.
template <size_t TILES>
inline void pairPanelTiles(const PanelStep& step, const float* x) {
  for (size_t t = 0; t < TILES; ++t)
    for (size_t line = 0; line < step.width * V::kLanes * sizeof(uint32_t); line += 64)
      __builtin_prefetch(reinterpret_cast<const uint8_t*>(step.ahead + t * step.aheadStride) + line, 0, 2);
  typename V::F acc[2][TILES];
  for (size_t t = 0; t < TILES; ++t) {
    acc[0][t] = step.first ? V::zero() : V::loadu(step.sums + t * step.sumStride);
    acc[1][t] = V::zero();
  }
  for (size_t j = 0; j < step.width; ++j) {
    typename V::I w[TILES];
    for (size_t t = 0; t < TILES; ++t) w[t] = V::loadWords(step.words + t * step.wordStride + j * V::kLanes);
    fusedGemvGroup<TILES>(acc, w, x + j * kColumnsPerWord, ColumnSequence{});
  }
  for (size_t t = 0; t < TILES; ++t) V::storeu(step.sums + t * step.sumStride, V::add(acc[0][t], acc[1][t]));
}

// Panel after listed panel, tiles from far-apart parts of the thread's rows at once (as
// fusedGemvRows); rows keep their sums between panels in the thread's own buffer
// (KernelCall::sums). The sums add in another order than the dense kernel's (a panel's sum
// joins the running one), so outputs agree to rounding.
inline void signBitsSkipZeroPanels(const uint8_t* panels, void*, const uint32_t* blocks, size_t count,
                                     const KernelCall& c) {
  static_assert(kPairPanelGroups * kColumnsPerWord == kSparseF32BlockColumns);
  const size_t groups = (c.k + kColumnsPerWord - 1) / kColumnsPerWord;
  // The sign-bit weights are 2w: half the scale.
  walkListedPanels(reinterpret_cast<const uint32_t*>(panels), groups, kPairPanelGroups, kPairPanelAheadTiles, blocks,
                   count, 0.5f * c.scale, c,
                   [&](auto streams, const PanelStep& step) {
                     pairPanelTiles<decltype(streams)::value>(step, c.x + step.firstGroup * kColumnsPerWord);
                   });
}
