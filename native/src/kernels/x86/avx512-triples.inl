// AVX-512 fused kernels over the triple layout (ternary-layout.h): each 5-bit index holds the
// codes of three columns, 27 of its 32 values used. vpermt2ps looks up 32-entry tables held in
// two registers with exactly such an index, which no narrower ISA has.
//
// Batch 1 (memory- and shuffle-bound): per call and thread, for every triple of columns, a
// table of the 27 possible sums +-x0 +-x1 +-x2 is built once (about a microsecond per 1000
// columns), and each row then adds
// one looked-up partial sum per three weights: a shift, a vpermt2ps and an add per 48 weights.
// Batch > 1: the same lookups, two activation rows at a time, each word's indexes shared by the
// two: a vpermt2ps of 16 rows x 3 weights and an add is more multiply-adds a cycle than decoding
// the weights for FMA (three vpermt2ps per three columns, and a broadcast per FMA, for up to
// 8 activation rows). Against that decode, alternating call by call, Sapphire Rapids, 2
// threads: 4096x4096 hot batch 2 3.5x, 3 2.4x, 8 1.21-1.25x, 16 1.22-1.25x, 64 1.25x; cold 8
// 1.29x, 64 1.29-1.32x; 6912x2560 cold 8 and 64 1.35-1.36x. Four rows at a time measured the
// same (batch 3 2.5x, 8 1.22-1.34x, 64 1.32x), four rows of two tiles worse (8 1.00x, 64 1.03x);
// two rows' tables (85 bytes a column, 590 KB at 6912 columns) fit Zen 4's 1 MB L2 where four
// would not.
// Batch 1 with activation sparsity: the same lookups over a second copy of the weights in
// chunked column panels (kernel-table.h, chunkedPanelWordOffset), panel by panel, skipping the
// panels whose activations are all zero: whole runs of memory never touched (in the tile-major
// layout they are a few bytes between read ones, which the prefetcher reads anyway: the skip
// gave 0.92x dense cold there).
//
// Included by avx512.cc inside its anonymous namespace.

constexpr size_t kTriplesPerWord = kTripleColumnsPerWord / 3;
// How far ahead in each stream batch 1 asks for the weights (prefetcht0): the hardware
// prefetcher alone left the four streams waiting on DRAM (4096x4096 cold, 2 threads, Sapphire
// Rapids: 0.172 -> 0.144 ms, hot unchanged; 2B-4T decode 19.2 -> 21.0 tokens/s).
constexpr size_t kTripleGemvPrefetchBytes = 1024;
// The same for the sparse kernel's panel copy, in tiles of a panel (8 tiles: 2 KiB of a four-group
// panel), past a run's stretch into the next listed panel's. Each stretch was one 4 KiB page then
// (two-group panels, measured below), and
// the hardware prefetcher does not cross pages: without this every stretch began with a wait on
// DRAM (Sapphire Rapids, 4096x4096 cold, 2 threads: 30% zero blocks 0.96-0.98x dense -> 1.18x,
// 50% 1.21x -> 1.46x; 8192 rows 1.03x -> 1.29x). 16 tiles ahead, or the next listed panel's same
// tile (one pass over the runs ahead), measured the same within noise; only the first lines of
// each stretch (to start the hardware prefetcher) 1.03x; prefetcht1 instead of t0 a little slower.
constexpr size_t kPanelAheadTiles = 8;
constexpr size_t kTableFloats = 32;  // one table: two zmm registers

constexpr float tripleWeight(int index, int column) {
  if (index >= 27) return 0.0f;
  const int code = column == 0 ? index % 3 : column == 1 ? (index / 3) % 3 : index / 9;
  return static_cast<float>(code - 1);
}

struct TripleWeights {
  alignas(64) float w[3][kTableFloats];
  constexpr TripleWeights() : w{} {
    for (int i = 0; i < static_cast<int>(kTableFloats); ++i)
      for (int j = 0; j < 3; ++j) w[j][i] = tripleWeight(i, j);
  }
};
constexpr TripleWeights kTripleWeights{};

size_t tripleGroups(size_t k) { return (k + kTripleColumnsPerWord - 1) / kTripleColumnsPerWord; }

// Batches: activation rows per pass over the weights, and tiles at once (see tripleLutGemm).
constexpr size_t kTripleLutRows = 2;
constexpr size_t kTripleLutStreams = 4;
constexpr size_t kTripleGroupFloats = kTriplesPerWord * kTableFloats;

// The tables of kTripleLutRows activation rows (batch 1 uses the first row's).
size_t tripleTableBytes(size_t k) { return kTripleLutRows * tripleGroups(k) * kTripleGroupFloats * sizeof(float); }

// Every group of a dense call.
struct AllTripleGroups {
  size_t groups;
  template <typename F>
  void forEach(F&& f) const {
    for (size_t g = 0; g < groups; ++g) f(g);
  }
};

// Activation row x's tables (x: the row's first column) for the groups `which` lists, group g's
// at tables + g * stride: triple t of the group at t * kTableFloats.
template <typename Groups>
void buildTripleTables(const float* xRow, float* tables, size_t stride, const Groups& which) {
  __m512 lo[3], hi[3];
  for (int j = 0; j < 3; ++j) {
    lo[j] = _mm512_load_ps(kTripleWeights.w[j]);
    hi[j] = _mm512_load_ps(kTripleWeights.w[j] + 16);
  }
  // The activations are zero-padded to whole groups, so padding columns add nothing.
  which.forEach([&](size_t g) {
    for (size_t t = 0; t < kTriplesPerWord; ++t) {
      const float* x = xRow + (g * kTriplesPerWord + t) * 3;
      const __m512 x0 = _mm512_set1_ps(x[0]), x1 = _mm512_set1_ps(x[1]), x2 = _mm512_set1_ps(x[2]);
      float* table = tables + g * stride + t * kTableFloats;
      _mm512_storeu_ps(table, _mm512_fmadd_ps(lo[2], x2, _mm512_fmadd_ps(lo[1], x1, _mm512_mul_ps(lo[0], x0))));
      _mm512_storeu_ps(table + 16, _mm512_fmadd_ps(hi[2], x2, _mm512_fmadd_ps(hi[1], x1, _mm512_mul_ps(hi[0], x0))));
    }
  });
}

template <typename Groups>
void buildTripleTables(const KernelCall& c, float* tables, const Groups& which) {
  buildTripleTables(c.x, tables, kTriplesPerWord * kTableFloats, which);
}

template <int T>
inline __m512i tripleIndex(__m512i words) {
  if constexpr (T == 0) return words;
  else return _mm512_srli_epi32(words, 5 * T);
}

template <size_t TILES, int... T>
inline void tripleGemvWord(__m512 (&acc)[2][TILES], const __m512i (&words)[TILES], const float* tables,
                           std::integer_sequence<int, T...>) {
  (
      [&] {
        const __m512 lo = _mm512_loadu_ps(tables + T * kTableFloats);
        const __m512 hi = _mm512_loadu_ps(tables + T * kTableFloats + 16);
        for (size_t tile = 0; tile < TILES; ++tile)
          acc[T & 1][tile] =
              _mm512_add_ps(acc[T & 1][tile], _mm512_permutex2var_ps(lo, tripleIndex<T>(words[tile]), hi));
      }(),
      ...);
}

// Tiles first, first + stride, ...: see kGemvStreams.
template <size_t TILES, typename Groups>
inline void tripleGemvTiles(const uint32_t* words, size_t groups, size_t first, size_t stride,
                            const float* tables, const KernelCall& c, const Groups& which) {
  __m512 acc[2][TILES];
  for (size_t t = 0; t < TILES; ++t) acc[0][t] = acc[1][t] = _mm512_setzero_ps();
  const uint32_t* base[TILES];
  for (size_t t = 0; t < TILES; ++t) base[t] = words + tileWordOffset(first + t * stride, 0, groups, V::kLanes);
  which.forEach([&](size_t g) {
    __m512i w[TILES];
    for (size_t t = 0; t < TILES; ++t) {
      __builtin_prefetch(reinterpret_cast<const uint8_t*>(base[t] + g * V::kLanes) + kTripleGemvPrefetchBytes, 0, 3);
      w[t] = _mm512_loadu_si512(base[t] + g * V::kLanes);
    }
    tripleGemvWord<TILES>(acc, w, tables + g * kTriplesPerWord * kTableFloats,
                          std::make_integer_sequence<int, kTriplesPerWord>{});
  });
  const __m512 scale = _mm512_set1_ps(c.scale);
  for (size_t t = 0; t < TILES; ++t) {
    const size_t row0 = (first + t * stride) * V::kLanes;
    const __m512 out = _mm512_mul_ps(_mm512_add_ps(acc[0][t], acc[1][t]), scale);
    if (row0 + V::kLanes <= c.n) V::storeu(c.y + row0, out);
    else V::storePartial(c.y + row0, out, c.n - row0);
  }
}

// The listed panels (the sparse kernel's blocks are whole panels, 72 columns), by the first
// group of each.
struct ListedTriplePanels {
  const uint32_t* blocks;
  size_t count;
};

// The tables of the panel's groups [first, first + width): triple t of group first + j at
// tables + (j * kTriplesPerWord + t) * kTableFloats.
void buildPanelTables(const KernelCall& c, size_t first, size_t width, float* tables) {
  __m512 lo[3], hi[3];
  for (int j = 0; j < 3; ++j) {
    lo[j] = _mm512_load_ps(kTripleWeights.w[j]);
    hi[j] = _mm512_load_ps(kTripleWeights.w[j] + 16);
  }
  // The activations are zero-padded to whole groups, so padding columns add nothing.
  const float* x0p = c.x + first * kTripleColumnsPerWord;
  for (size_t t = 0; t < width * kTriplesPerWord; ++t) {
    const float* x = x0p + 3 * t;
    const __m512 x0 = _mm512_set1_ps(x[0]), x1 = _mm512_set1_ps(x[1]), x2 = _mm512_set1_ps(x[2]);
    float* table = tables + t * kTableFloats;
    _mm512_storeu_ps(table, _mm512_fmadd_ps(lo[2], x2, _mm512_fmadd_ps(lo[1], x1, _mm512_mul_ps(lo[0], x0))));
    _mm512_storeu_ps(table + 16, _mm512_fmadd_ps(hi[2], x2, _mm512_fmadd_ps(hi[1], x1, _mm512_mul_ps(hi[0], x0))));
  }
}

// TILES tiles of one panel, tile t's `width` words at words[t], their sums so far in partial[t]
// (none yet when `first`).
template <size_t TILES>
inline void tripleGemvPanelTiles(const uint32_t* const (&words)[TILES], size_t width, const float* tables,
                                 float* const (&partial)[TILES], bool first) {
  __m512 acc[2][TILES];
  for (size_t t = 0; t < TILES; ++t) {
    acc[0][t] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(partial[t]);
    acc[1][t] = _mm512_setzero_ps();
  }
  for (size_t j = 0; j < width; ++j) {
    __m512i w[TILES];
    for (size_t t = 0; t < TILES; ++t) w[t] = _mm512_loadu_si512(words[t] + j * V::kLanes);
    tripleGemvWord<TILES>(acc, w, tables + j * kTriplesPerWord * kTableFloats,
                          std::make_integer_sequence<int, kTriplesPerWord>{});
  }
  for (size_t t = 0; t < TILES; ++t) _mm512_storeu_ps(partial[t], _mm512_add_ps(acc[0][t], acc[1][t]));
}

// Up to kGemvStreams runs of tiles, each inside one chunk of the panel copy: at each panel one
// stretch of memory, and the next panel's stretch right after it.
struct PanelRuns {
  size_t begin[kGemvStreams], count[kGemvStreams], size = 0;
};

// The runs through every listed panel (tables built anew for each call: a few hundred
// instructions against thousands of lookups), so that each stream runs on through its chunk
// rather than coming back to it once per panel (with the runs inside the panel loop, 5120 and
// 6912 rows lost the chunks' gain). Four tiles at once: of four runs, all of them up to the
// shortest's end, then the longer ones on; of fewer runs, consecutive tiles of each, so that four
// tiles' lookups still overlap.
template <typename PartialOf>
void tripleGemvPanelRuns(const PanelRuns& runs, const uint32_t* words, size_t groups, size_t tiles, float* tables,
                         const KernelCall& c, const ListedTriplePanels& which, const PartialOf& partialOf) {
  constexpr size_t S = kGemvStreams;
  static_assert(S == 4, "four tiles at once");
  bool first = true;
  for (size_t listed = 0; listed < which.count; ++listed) {
    const size_t group = which.blocks[listed] * kTriplePanelGroups;
    const size_t width = panelWidth(group, groups, kTriplePanelGroups);
    const bool last = listed + 1 == which.count;
    const size_t next = last ? 0 : which.blocks[listed + 1] * kTriplePanelGroups;
    // Within a chunk, a panel's tiles lie `step` words apart: the word offsets are worked out
    // once per run (per tile they cost as much as the lookups).
    const size_t step = width * V::kLanes;
    const size_t nextStep = last ? 0 : panelWidth(next, groups, kTriplePanelGroups) * V::kLanes;
    buildPanelTables(c, group, width, tables);
    for (size_t done = 0;;) {
      const uint32_t* base[S];
      const uint32_t* ahead[S];
      size_t begin[S], count[S], active = 0, to = SIZE_MAX;
      for (size_t r = 0; r < runs.size; ++r) {
        if (runs.count[r] <= done) continue;
        base[active] = words + chunkedPanelWordOffset(runs.begin[r], group, groups, tiles, V::kLanes, kTriplePanelGroups);
        ahead[active] =
            last ? nullptr
                 : words + chunkedPanelWordOffset(runs.begin[r], next, groups, tiles, V::kLanes, kTriplePanelGroups);
        count[active] = runs.count[r];
        begin[active++] = runs.begin[r];
        to = runs.count[r] < to ? runs.count[r] : to;
      }
      if (active == 0) break;
      size_t i = done;
      // Tile j of run a, asking for the words kPanelAheadTiles tiles on (past the run's end, in
      // the next listed panel; see kPanelAheadTiles). `near`: that tile is in this panel for every
      // run (j below to - kPanelAheadTiles), so no address is chosen per tile (choosing it in
      // every step cost the kernel 6% with its weights in L2).
      auto tile = [&](auto near, size_t a, size_t j) {
        const size_t d = j + kPanelAheadTiles;
        const uint32_t* soon;
        if constexpr (decltype(near)::value) soon = base[a] + d * step;
        else soon = d < count[a] ? base[a] + d * step : last ? nullptr : ahead[a] + (d - count[a]) * nextStep;
        // A whole panel's lines (of a narrower last panel, the next tile's first: no harm).
        if (soon)
          for (size_t line = 0; line < kTriplePanelGroups; ++line) __builtin_prefetch(soon + line * V::kLanes, 0, 3);
        return base[a] + j * step;
      };
      auto sum = [&](size_t a, size_t j) { return partialOf(begin[a] + j); };
      const size_t nearEnd = to > kPanelAheadTiles ? to - kPanelAheadTiles : 0;
      // Steps of `perStep` tiles of each run (i .. i + perStep - 1), the near ones first.
      auto drive = [&](size_t perStep, auto&& stepAt) {
        for (; i + perStep <= nearEnd; i += perStep) stepAt(std::true_type{}, i);
        for (; i + perStep <= to; i += perStep) stepAt(std::false_type{}, i);
      };
      if (active == 4) {
        drive(1, [&](auto near, size_t i) {
          const uint32_t* w[4];
          for (size_t a = 0; a < 4; ++a) w[a] = tile(near, a, i);
          tripleGemvPanelTiles<4>(w, width, tables, {sum(0, i), sum(1, i), sum(2, i), sum(3, i)}, first);
        });
      } else if (active == 3) {
        drive(1, [&](auto near, size_t i) {
          const uint32_t* w[3];
          for (size_t a = 0; a < 3; ++a) w[a] = tile(near, a, i);
          tripleGemvPanelTiles<3>(w, width, tables, {sum(0, i), sum(1, i), sum(2, i)}, first);
        });
      } else if (active == 2) {
        drive(2, [&](auto near, size_t i) {
          const uint32_t* w[4] = {tile(near, 0, i), tile(near, 0, i + 1), tile(near, 1, i), tile(near, 1, i + 1)};
          tripleGemvPanelTiles<4>(w, width, tables, {sum(0, i), sum(0, i + 1), sum(1, i), sum(1, i + 1)}, first);
        });
      } else {
        drive(4, [&](auto near, size_t i) {
          const uint32_t* w[4];
          for (size_t t = 0; t < 4; ++t) w[t] = tile(near, 0, i + t);
          tripleGemvPanelTiles<4>(w, width, tables, {sum(0, i), sum(0, i + 1), sum(0, i + 2), sum(0, i + 3)}, first);
        });
      }
      for (; i < to; ++i)
        for (size_t a = 0; a < active; ++a)
          tripleGemvPanelTiles<1>({tile(std::false_type{}, a, i)}, width, tables, {sum(a, i)}, first);
      done = to;
    }
    first = false;
  }
}

// One step of a quad (tripleGemvPanelQuad): tile j of each of the four runs, which lie
// runStride words apart (their read-ahead aheadStride apart, their sums sumStride floats).
inline void tripleQuadStep(const uint32_t* w, size_t runStride, const uint32_t* ahead, size_t aheadStride, float* sums,
                           size_t sumStride, size_t width, const float* tables, bool first) {
  if (ahead)
    for (size_t a = 0; a < 4; ++a)
      for (size_t line = 0; line < kTriplePanelGroups; ++line)
        __builtin_prefetch(ahead + a * aheadStride + line * V::kLanes, 0, 3);
  const uint32_t* words[4] = {w, w + runStride, w + 2 * runStride, w + 3 * runStride};
  float* const partial[4] = {sums, sums + sumStride, sums + 2 * sumStride, sums + 3 * sumStride};
  tripleGemvPanelTiles<4>(words, width, tables, partial, first);
}

// Four whole chunks from tile t0, one run each, over every listed panel, their sums from
// quadSums on (a chunk's sums after the one before's). In whole chunks each run's words lie a
// constant apart from the next run's, and every pointer moves on by a constant a tile: worked
// out per tile (tripleGemvPanelRuns's general walk, with its choice of read-ahead address and,
// then, of the sums' place for a last tile cut by n) the step's scalar work cost as much as a
// sixth of its lookups, and GPRs spilled into vector registers (Sapphire
// Rapids, 2 threads, against that walk alternating call by call: 4096x4096 hot 1.17x at 30%
// zero blocks and 1.20-1.22x at 50%, cold 1.04-1.07x; 6912x2560 and 8192x4096 hot 1.12x, cold
// 1.02x and 1.05x; one thread, 4096x1024 in L2 1.17x). The panel's width stays a run-time
// loop bound: unrolled for two groups, the 24 tables' registers spilled and it ran 0.94x.
void tripleGemvPanelQuad(const uint32_t* words, size_t groups, size_t tiles, size_t t0, float* quadSums, float* tables,
                         const KernelCall& c, const ListedTriplePanels& which) {
  constexpr size_t C = kPanelChunkTiles;
  const size_t runStride = C * groups * V::kLanes, sumStride = C * V::kLanes;
  for (size_t listed = 0; listed < which.count; ++listed) {
    const bool first = listed == 0, last = listed + 1 == which.count;
    const size_t group = which.blocks[listed] * kTriplePanelGroups;
    const size_t width = panelWidth(group, groups, kTriplePanelGroups);
    const size_t step = width * V::kLanes;
    buildPanelTables(c, group, width, tables);
    const uint32_t* w = words + chunkedPanelWordOffset(t0, group, groups, tiles, V::kLanes, kTriplePanelGroups);
    const uint32_t* ahead = w + kPanelAheadTiles * step;
    float* sums = quadSums;
    size_t j = 0;
    for (; j + kPanelAheadTiles < C; ++j, w += step, ahead += step, sums += V::kLanes)
      tripleQuadStep(w, runStride, ahead, runStride, sums, sumStride, width, tables, first);
    const size_t next = last ? 0 : which.blocks[listed + 1] * kTriplePanelGroups;
    const size_t nextStep = last ? 0 : panelWidth(next, groups, kTriplePanelGroups) * V::kLanes;
    ahead = last ? nullptr : words + chunkedPanelWordOffset(t0, next, groups, tiles, V::kLanes, kTriplePanelGroups) +
                                 (j + kPanelAheadTiles - C) * nextStep;
    for (; j < C; ++j, w += step, ahead = ahead ? ahead + nextStep : nullptr, sums += V::kLanes)
      tripleQuadStep(w, runStride, ahead, runStride, sums, sumStride, width, tables, first);
  }
}

// Batch 1 over the panel copy: the panels `which` lists, kGemvStreams tiles at once, each from
// its own stream. The thread's whole chunks (kPanelChunkTiles) go four at a time, one per
// stream, so each stream is one run of memory (tripleGemvPanelQuad); the tiles left (a chunk
// cut by the thread's bounds, the chunks after the last four) as runs cut at the chunk bounds,
// four at a time, in a pass of their own (tripleGemvPanelRuns). (Tried on Sapphire Rapids, 30% zero blocks, cold: one pass of four equal
// streams cut at the chunk bounds, 5120 rows 0.95x dense against 1.02x; the leftover runs as a
// second set of four in the quads' pass, sharing each panel's tables, 0.97x, and two quads in one
// pass at 8192 rows 1.21x against 1.28x: a stream that pauses at each panel while another set
// reads loses more than a pass costs.)
void tripleGemvPanels(const uint8_t* prepared, void* scratch, const KernelCall& c, const ListedTriplePanels& which) {
  const uint32_t* words = reinterpret_cast<const uint32_t*>(prepared);
  const size_t groups = tripleGroups(c.k), tiles = (c.n + V::kLanes - 1) / V::kLanes;
  const size_t tileBegin = c.rowBegin / V::kLanes;
  const size_t tileEnd = (c.rowEnd + V::kLanes - 1) / V::kLanes;
  float* tables = static_cast<float*>(scratch);
  // Rows keep their sums between panels in the thread's own buffer (KernelCall::sums; in y,
  // beside the other thread's rows, they cost the AVX2 panel kernel 10%: panel-walk.inl).
  auto partialOf = [&](size_t tile) { return c.sums + (tile - tileBegin) * V::kLanes; };
  constexpr size_t S = kGemvStreams, C = kPanelChunkTiles;
  auto run = [&](const PanelRuns& runs) {
    tripleGemvPanelRuns(runs, words, groups, tiles, tables, c, which, partialOf);
  };
  // [chunked, chunkedEnd): the whole chunks that go four at a time.
  const size_t chunked = (tileBegin + C - 1) / C * C;
  const size_t quads = chunked < tileEnd ? (tileEnd - chunked) / (S * C) : 0;
  const size_t chunkedEnd = chunked + quads * S * C;
  for (size_t t0 = chunked; t0 < chunkedEnd; t0 += S * C)
    tripleGemvPanelQuad(words, groups, tiles, t0, partialOf(t0), tables, c, which);
  PanelRuns rest;
  for (size_t t = tileBegin; t < tileEnd;) {
    if (t == chunked && quads > 0) t = chunkedEnd;
    if (t >= tileEnd) break;
    const size_t end = (t / C + 1) * C < tileEnd ? (t / C + 1) * C : tileEnd;
    rest.begin[rest.size] = t;
    rest.count[rest.size++] = end - t;
    t = end;
    if (rest.size == S) {
      run(rest);
      rest.size = 0;
    }
  }
  if (rest.size > 0) run(rest);
  const __m512 scale = _mm512_set1_ps(c.scale);
  for (size_t t = tileBegin; t < tileEnd; ++t) {
    const size_t row0 = t * V::kLanes;
    // No panel at all (every activation zero): every sum is zero.
    const __m512 out = which.count == 0 ? _mm512_setzero_ps() : _mm512_mul_ps(_mm512_loadu_ps(partialOf(t)), scale);
    if (row0 + V::kLanes <= c.n) V::storeu(c.y + row0, out);
    else V::storePartial(c.y + row0, out, c.n - row0);
  }
}

template <typename Groups>
void tripleGemv(const uint8_t* prepared, void* scratch, const KernelCall& c, const Groups& which) {
  const uint32_t* words = reinterpret_cast<const uint32_t*>(prepared);
  const size_t groups = tripleGroups(c.k);
  const size_t tileBegin = c.rowBegin / V::kLanes;
  const size_t tileEnd = (c.rowEnd + V::kLanes - 1) / V::kLanes;
  float* tables = static_cast<float*>(scratch);
  buildTripleTables(c, tables, which);
  const size_t part = (tileEnd - tileBegin) / kGemvStreams;
  for (size_t i = 0; i < part; ++i) tripleGemvTiles<kGemvStreams>(words, groups, tileBegin + i, part, tables, c, which);
  for (size_t t = tileBegin + kGemvStreams * part; t < tileEnd; ++t) tripleGemvTiles<1>(words, groups, t, 0, tables, c, which);
}

// Batch 1 with activation sparsity, over the panel copy (`panels`): only the listed panels
// (the others' activations are all zero, and their weights are never read).
void tripleSkipZeroBlocks(const uint8_t* panels, void* scratch, const uint32_t* blocks, size_t count,
                          const KernelCall& c) {
  tripleGemvPanels(panels, scratch, c, ListedTriplePanels{blocks, count});
}

// Batches: the lookups of batch 1, kTripleLutRows activation rows at a time (their tables side by
// side per group), kTripleLutStreams tiles at once: each word's indexes are worked out once for
// its rows, and each table load serves every tile.
template <size_t TILES, size_t ROWS, int... T>
inline void tripleLutWord(__m512 (&acc)[ROWS][TILES], const __m512i (&words)[TILES], const float* tables,
                          std::integer_sequence<int, T...>) {
  (
      [&] {
        __m512i idx[TILES];
        for (size_t t = 0; t < TILES; ++t) idx[t] = tripleIndex<T>(words[t]);
        for (size_t r = 0; r < ROWS; ++r) {
          const __m512 lo = _mm512_loadu_ps(tables + r * kTripleGroupFloats + T * kTableFloats);
          const __m512 hi = _mm512_loadu_ps(tables + r * kTripleGroupFloats + T * kTableFloats + 16);
          for (size_t t = 0; t < TILES; ++t) acc[r][t] = _mm512_add_ps(acc[r][t], _mm512_permutex2var_ps(lo, idx[t], hi));
        }
      }(),
      ...);
}

template <size_t TILES, size_t ROWS>
inline void tripleLutTiles(const uint32_t* words, size_t groups, size_t first, size_t stride, const float* tables,
                           size_t b0, const KernelCall& c) {
  __m512 acc[ROWS][TILES];
  for (size_t r = 0; r < ROWS; ++r)
    for (size_t t = 0; t < TILES; ++t) acc[r][t] = _mm512_setzero_ps();
  const uint32_t* base[TILES];
  for (size_t t = 0; t < TILES; ++t) base[t] = words + tileWordOffset(first + t * stride, 0, groups, V::kLanes);
  for (size_t g = 0; g < groups; ++g) {
    __m512i w[TILES];
    for (size_t t = 0; t < TILES; ++t) {
      __builtin_prefetch(reinterpret_cast<const uint8_t*>(base[t] + g * V::kLanes) + kTripleGemvPrefetchBytes, 0, 3);
      w[t] = _mm512_loadu_si512(base[t] + g * V::kLanes);
    }
    tripleLutWord<TILES, ROWS>(acc, w, tables + g * ROWS * kTripleGroupFloats,
                               std::make_integer_sequence<int, kTriplesPerWord>{});
  }
  const __m512 scale = _mm512_set1_ps(c.scale);
  for (size_t r = 0; r < ROWS; ++r)
    for (size_t t = 0; t < TILES; ++t) {
      const size_t row0 = (first + t * stride) * V::kLanes;
      float* y = c.y + (b0 + r) * c.n + row0;
      const __m512 out = _mm512_mul_ps(acc[r][t], scale);
      if (row0 + V::kLanes <= c.n) V::storeu(y, out);
      else V::storePartial(y, out, c.n - row0);
    }
}

// Activation rows b0 .. b0 + ROWS: their tables (per group, the rows' side by side), then the
// thread's tiles, kTripleLutStreams far-apart ones at a time (as tripleGemv).
template <size_t ROWS>
void tripleLutRows(const uint32_t* words, size_t groups, float* tables, size_t b0, const KernelCall& c) {
  for (size_t r = 0; r < ROWS; ++r)
    buildTripleTables(c.x + (b0 + r) * c.xStride, tables + r * kTripleGroupFloats, ROWS * kTripleGroupFloats,
                      AllTripleGroups{groups});
  const size_t tileBegin = c.rowBegin / V::kLanes;
  const size_t tileEnd = (c.rowEnd + V::kLanes - 1) / V::kLanes;
  const size_t part = (tileEnd - tileBegin) / kTripleLutStreams;
  for (size_t i = 0; i < part; ++i)
    tripleLutTiles<kTripleLutStreams, ROWS>(words, groups, tileBegin + i, part, tables, b0, c);
  for (size_t t = tileBegin + kTripleLutStreams * part; t < tileEnd; ++t)
    tripleLutTiles<1, ROWS>(words, groups, t, 0, tables, b0, c);
}

void tripleLutGemm(const uint32_t* words, size_t groups, float* tables, const KernelCall& c) {
  static_assert(kTripleLutRows == 2, "one case per row count");
  for (size_t b0 = 0; b0 < c.batch; b0 += kTripleLutRows) {
    switch (c.batch - b0 < kTripleLutRows ? c.batch - b0 : kTripleLutRows) {
      case 1: tripleLutRows<1>(words, groups, tables, b0, c); break;
      default: tripleLutRows<2>(words, groups, tables, b0, c); break;
    }
  }
}

void tripleRun(const uint8_t* prepared, void* scratch, const KernelCall& c) {
  if (c.batch == 1) return tripleGemv(prepared, scratch, c, AllTripleGroups{tripleGroups(c.k)});
  tripleLutGemm(reinterpret_cast<const uint32_t*>(prepared), tripleGroups(c.k), static_cast<float*>(scratch), c);
}
