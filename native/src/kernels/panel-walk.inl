// The walk of the fp32 sparse kernels over a column-panel copy (panelWordOffset, kernel-table.h):
// the listed nonzero panels only, one after another, each over the thread's tiles with
// kGemvStreams far-apart tiles at once (as fusedGemvRows), each stream asking `aheadTiles`
// tiles on for its words: in this panel, or past the stream's stretch in the next listed one
// (the hardware prefetcher's streams stop where skipped panels leave a gap). Rows keep their
// sums between panels in the thread's own buffer (KernelCall::sums), then y = sums * scale.
// In y, each thread's rows beside the other's, the sums cost the vpermps kernel (then over split
// triples) 1.10x its time (Sapphire Rapids, 2 threads, 4096x4096 hot at 30% zero blocks, the
// two alternating call by call; the same with the second thread's rows 32 KiB on in one buffer;
// one thread alone alike either way). Written once for AVX2's sign-bit kernel (fused-pair-panels.inl) and
// its vpermps kernel (x86/avx2-quintets.inl), which differ only in a step's tiles.
//
// A step's tiles lie a fixed stride apart in each of words, ahead and sums, and every pointer
// moves on by a constant each step. Worked out anew per tile (with the choice of ahead address
// and of the sums' place for a last tile cut by n), the step's scalar work was about a sixth
// of the kernel's time and ran on the vector ports' schedulers: Sapphire Rapids, 4096x4096,
// 2 threads, the split-triple kernel against the walk before, alternating call by call: hot 1.08-
// 1.10x at 30% and 50% zero blocks, cold 1.03-1.04x; 1024x4096 in L2, one thread, 1.06x. The
// sign-bit kernel (more vector work a step): 2 threads 1.02-1.06x, one thread in L2 0.97-0.98x.
//
// Included inside the ISA translation unit's anonymous namespace, after V.

// Where one step's tiles are: tile s of the step has its words at words + s * wordStride (and
// asks for those at ahead + s * aheadStride), its sums so far at sums + s * sumStride (none yet
// when `first`); the panel is `width` groups from group firstGroup.
struct PanelStep {
  const uint32_t* words;
  size_t wordStride;
  const uint32_t* ahead;
  size_t aheadStride;
  float* sums;
  size_t sumStride;
  size_t width;
  size_t firstGroup;
  bool first;
};

// tiles(streams, step) runs one panel's words of `streams` tiles (std::integral_constant:
// kGemvStreams, then 1 for the tiles left over). Then y = sums * scale over the thread's rows.
template <typename Tiles>
__attribute__((always_inline)) inline void walkListedPanels(const uint32_t* words, size_t groups, size_t panelGroups,
                                                            size_t aheadTiles, const uint32_t* blocks, size_t count,
                                                            float scale, const KernelCall& c, Tiles&& tiles) {
  constexpr size_t S = kGemvStreams;
  const size_t matrixTiles = (c.n + V::kLanes - 1) / V::kLanes;
  const size_t tileBegin = c.rowBegin / V::kLanes;
  const size_t tileEnd = (c.rowEnd + V::kLanes - 1) / V::kLanes;
  auto sumsOf = [&](size_t tile) { return c.sums + (tile - tileBegin) * V::kLanes; };
  const size_t part = (tileEnd - tileBegin) / S;
  // Steps whose tile aheadTiles on is still in this panel for every stream.
  const size_t near = part > aheadTiles ? part - aheadTiles : 0;
  auto panelStart = [&](size_t firstGroup) {
    return words + panelWordOffset(0, firstGroup, groups, matrixTiles, V::kLanes, panelGroups);
  };
  for (size_t i = 0; i < count; ++i) {
    const size_t firstGroup = blocks[i] * panelGroups;
    const size_t width = panelWidth(firstGroup, groups, panelGroups);
    const uint32_t* panel = panelStart(firstGroup);
    const size_t tileWords = width * V::kLanes;
    // The next listed panel (this one again after the last: a harmless hint).
    const size_t nextGroup = (i + 1 < count ? blocks[i + 1] : blocks[i]) * panelGroups;
    const uint32_t* next = panelStart(nextGroup);
    const size_t nextTileWords = panelWidth(nextGroup, groups, panelGroups) * V::kLanes;
    PanelStep step{panel + tileBegin * tileWords, part * tileWords, nullptr, part * tileWords, c.sums, part * V::kLanes,
                   width, firstGroup, i == 0};
    step.ahead = step.words + aheadTiles * tileWords;
    size_t j = 0;
    for (; j < near; ++j, step.words += tileWords, step.ahead += tileWords, step.sums += V::kLanes)
      tiles(std::integral_constant<size_t, S>{}, step);
    // Past the stream's stretch: the same stream's tiles of the next listed panel.
    step.ahead = next + (tileBegin + j + aheadTiles - part) * nextTileWords;
    step.aheadStride = part * nextTileWords;
    for (; j < part; ++j, step.words += tileWords, step.ahead += nextTileWords, step.sums += V::kLanes)
      tiles(std::integral_constant<size_t, S>{}, step);
    for (size_t t = tileBegin + S * part; t < tileEnd; ++t)
      tiles(std::integral_constant<size_t, 1>{},
            PanelStep{panel + t * tileWords, 0, next + t * nextTileWords, 0, sumsOf(t), 0, width, firstGroup, i == 0});
  }
  const typename V::F scaled = V::set1(scale);
  for (size_t t = tileBegin; t < tileEnd; ++t) {
    const size_t row0 = t * V::kLanes;
    // No panel at all (every activation zero): every sum is zero.
    const typename V::F out = count == 0 ? V::zero() : V::mul(V::loadu(sumsOf(t)), scaled);
    if (row0 + V::kLanes <= c.n) V::storeu(c.y + row0, out);
    else V::storePartial(c.y + row0, out, c.n - row0);
  }
}
