// The walk of the fp32 sparse kernels over a column-panel copy (panelWordOffset, kernel-table.h):
// the listed nonzero panels only, one after another, each over the thread's tiles with
// kGemvStreams far-apart tiles at once (as fusedGemvRows), each stream asking `aheadTiles`
// tiles on for its words: in this panel, or past the stream's stretch in the next listed one
// (the hardware prefetcher's streams stop where skipped panels leave a gap). Rows keep their
// sums in y between panels. Written once for AVX2's sign-bit kernel (fused-pair-panels.inl) and
// its split-triple kernel (x86/avx2-split-triples.inl), which differ only in a step's tiles.
//
// Included inside the ISA translation unit's anonymous namespace, after V.

// tiles(streams, words, ahead, width, firstGroup, partial, first) runs one panel's `width`
// words of `streams` tiles (std::integral_constant: kGemvStreams, then 1 for the tiles left
// over): tile t's words at words[t], those to ask for at ahead[t], its sums so far at
// partial[t] (none yet when `first`). Then y = sums * scale over the thread's rows.
template <typename Tiles>
__attribute__((always_inline)) inline void walkListedPanels(const uint32_t* words, size_t groups, size_t panelGroups,
                                                            size_t aheadTiles, const uint32_t* blocks, size_t count,
                                                            float scale, const KernelCall& c, Tiles&& tiles) {
  static_assert(kGemvStreams == 4, "the stream arrays below list four");
  const size_t matrixTiles = (c.n + V::kLanes - 1) / V::kLanes;
  const size_t tileBegin = c.rowBegin / V::kLanes;
  const size_t tileEnd = (c.rowEnd + V::kLanes - 1) / V::kLanes;
  // The matrix's last tile, when part of it lies past n, keeps its sums here.
  alignas(64) float tail[V::kLanes];
  auto partialOf = [&](size_t tile) { return (tile + 1) * V::kLanes <= c.n ? c.y + tile * V::kLanes : tail; };
  constexpr size_t S = kGemvStreams;
  const size_t part = (tileEnd - tileBegin) / S;
  auto panelStart = [&](size_t firstGroup) {
    return words + panelWordOffset(0, firstGroup, groups, matrixTiles, V::kLanes, panelGroups);
  };
  for (size_t i = 0; i < count; ++i) {
    const size_t firstGroup = blocks[i] * panelGroups;
    const size_t width = panelWidth(firstGroup, groups, panelGroups);
    const uint32_t* panel = panelStart(firstGroup);
    const size_t stride = part * width * V::kLanes;
    // The next listed panel (this one again after the last: a harmless hint).
    const size_t nextGroup = (i + 1 < count ? blocks[i + 1] : blocks[i]) * panelGroups;
    const uint32_t* next = panelStart(nextGroup);
    const size_t nextWidth = panelWidth(nextGroup, groups, panelGroups);
    const size_t nextStride = part * nextWidth * V::kLanes;
    for (size_t j = 0; j < part; ++j) {
      const size_t t = tileBegin + j;
      const uint32_t* w0 = panel + t * width * V::kLanes;
      const size_t d = j + aheadTiles;
      const bool here = d < part;
      const uint32_t* n0 =
          here ? panel + (tileBegin + d) * width * V::kLanes : next + (tileBegin + d - part) * nextWidth * V::kLanes;
      const size_t aheadStride = here ? stride : nextStride;
      const uint32_t* const tileWords[S] = {w0, w0 + stride, w0 + 2 * stride, w0 + 3 * stride};
      const uint32_t* const ahead[S] = {n0, n0 + aheadStride, n0 + 2 * aheadStride, n0 + 3 * aheadStride};
      float* const partial[S] = {partialOf(t), partialOf(t + part), partialOf(t + 2 * part), partialOf(t + 3 * part)};
      tiles(std::integral_constant<size_t, S>{}, tileWords, ahead, width, firstGroup, partial, i == 0);
    }
    for (size_t t = tileBegin + S * part; t < tileEnd; ++t) {
      const uint32_t* const tileWords[1] = {panel + t * width * V::kLanes};
      const uint32_t* const ahead[1] = {next + t * nextWidth * V::kLanes};
      float* const partial[1] = {partialOf(t)};
      tiles(std::integral_constant<size_t, 1>{}, tileWords, ahead, width, firstGroup, partial, i == 0);
    }
  }
  const typename V::F scaled = V::set1(scale);
  for (size_t t = tileBegin; t < tileEnd; ++t) {
    const size_t row0 = t * V::kLanes;
    // No panel at all (every activation zero): every sum is zero.
    const typename V::F out = count == 0 ? V::zero() : V::mul(V::loadu(partialOf(t)), scaled);
    if (row0 + V::kLanes <= c.n) V::storeu(c.y + row0, out);
    else V::storePartial(c.y + row0, out, c.n - row0);
  }
}
