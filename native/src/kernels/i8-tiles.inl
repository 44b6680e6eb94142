// fused-i8 kernels over the code-plane layout (i8-layout.h), written once against a small
// vector type `V` that each ISA translation unit defines before including this file inside an
// anonymous namespace (so every instantiation stays private to its ISA).
//
// V must provide:
//   I, kBytes                 an integer vector of kBytes bytes (the layout's plane width)
//   load(const void*)          unaligned load
//   plane<S>(I w)              codes of plane S (bits 2S..2S+1 of each byte) as bytes 0..2
//   Acc, accZero()             an int32 accumulator vector
//   hsum(Acc)                  adds the lanes
//   Partial, partialZero(), partialAdd(Partial&, I c, I a), flush(Acc&, Partial)
//                              a cheaper accumulator for the batched kernel that holds at most
//                              kPartialSteps partialAdd calls before it must be flushed
//   kRowTile                   rows per tile of the layout
//   kGemvStreams               tiles the batch-1 kernel walks at once (see i8GemvTiles)
// and may provide blockDotFromMemory(Partial&, I packed, const int8_t* q): the batch-1
// kernel's block with the four activation vectors read from q (see kDotFromMemory);
// and may provide blockDot(Partial&, I packed, const I (&a)[4]): the four partialAdd calls of
// one packed vector in fewer instructions (counting as four of kPartialSteps); or, for the
// batch-1 kernel only, an accumulator of its own: BlockPartial, blockZero(),
// blockDot(BlockPartial&, I packed, const I (&a)[4]), blockFlush(Acc&, BlockPartial).
// kGemmBatchTile (2 if absent) is how many activation rows the batched kernel's inner loop
// takes at once (4 needs kRowTile * 4 accumulators: 32-register ISAs). kGemvPrefetchBytes (0
// if absent) is how far ahead the batch-1 kernel prefetches each weight stream.
//
// Codes are w + 1, so the integer dot C.q is W.q + sum(q); the sum is taken off once per
// output, with the two scales, in storeRow.

constexpr size_t kI8PlanesPerBlock = 4;

inline void storeRow(const I8KernelCall& c, size_t b, size_t row, int32_t dot) {
  if (row >= c.n) return;
  const I8Row& info = c.rows[b];
  c.y[b * c.n + row] = static_cast<float>(dot - info.sum) * (info.dequant * c.weightScale);
}

inline size_t i8Blocks(const I8KernelCall& c) {
  return (c.k + kI8PlanesPerBlock * V::kBytes - 1) / (kI8PlanesPerBlock * V::kBytes);
}

// One row's block: V's own blockDot where it has one, else plane by plane. (A template on T so
// that the check is made per V.)
template <typename T>
inline void rowBlockDot(typename T::Partial& p, typename T::I packed, const typename T::I (&a)[kI8PlanesPerBlock]) {
  if constexpr (requires { T::blockDot(p, packed, a); }) {
    T::blockDot(p, packed, a);
  } else {
    T::partialAdd(p, T::template plane<0>(packed), a[0]);
    T::partialAdd(p, T::template plane<1>(packed), a[1]);
    T::partialAdd(p, T::template plane<2>(packed), a[2]);
    T::partialAdd(p, T::template plane<3>(packed), a[3]);
  }
}

// The batch-1 kernel's accumulator per row: V's BlockPartial where it has one, else its
// Partial through rowBlockDot.
template <typename T>
struct GemvAccumulator {
  using P = typename T::Partial;
  static P zero() { return T::partialZero(); }
  static void add(P& p, typename T::I packed, const typename T::I (&a)[kI8PlanesPerBlock]) {
    rowBlockDot<T>(p, packed, a);
  }
  static void flush(typename T::Acc& acc, const P& p) { T::flush(acc, p); }
};

template <typename T>
  requires requires { typename T::BlockPartial; }
struct GemvAccumulator<T> {
  using P = typename T::BlockPartial;
  static P zero() { return T::blockZero(); }
  static void add(P& p, typename T::I packed, const typename T::I (&a)[kI8PlanesPerBlock]) {
    T::blockDot(p, packed, a);
  }
  static void flush(typename T::Acc& acc, const P& p) { T::blockFlush(acc, p); }
};

// V::kGemvPrefetchBytes where V has it: how far ahead in each stream the batch-1 kernel asks
// for the weights in software (0: the hardware prefetcher alone).
template <typename T>
constexpr size_t i8GemvPrefetchBytes() {
  if constexpr (requires { T::kGemvPrefetchBytes; }) return T::kGemvPrefetchBytes;
  return 0;
}

// Whether V's batch-1 block dot reads the activations as memory operands
// (blockDotFromMemory(Partial&, I packed, const int8_t* q)): on 16-register ISAs, four
// activation vectors held across a block leave too few registers for the partials.
template <typename T>
constexpr bool kDotFromMemory = requires(typename T::Partial& p, typename T::I w, const int8_t* q) {
  T::blockDotFromMemory(p, w, q);
};

// One row's block in the batch-1 kernel: from memory where V reads it so, else from `a`.
template <typename T>
inline void gemvRowDot(typename GemvAccumulator<T>::P& p, typename T::I packed,
                       const typename T::I (&a)[kI8PlanesPerBlock], const int8_t* q) {
  if constexpr (kDotFromMemory<T>) T::blockDotFromMemory(p, packed, q);
  else GemvAccumulator<T>::add(p, packed, a);
}

// Batch 1: STREAMS tiles from far-apart parts of the thread's rows at once (each a long
// sequential stream: a core keeps several in flight where it would wait on one, which is what
// cold weights need), sharing each block's four activation loads; each row's products gather
// in a Partial for as many blocks as it holds. PREFETCH: how far ahead each stream asks for
// its weights in software (0: the hardware prefetcher alone).
template <size_t STREAMS, size_t PREFETCH>
inline void i8GemvTiles(const uint8_t* prepared, size_t first, size_t stride, size_t blocks, const I8KernelCall& c) {
  constexpr size_t R = V::kRowTile;
  constexpr size_t kChunkBlocks = V::kPartialSteps / kI8PlanesPerBlock;
  using G = GemvAccumulator<V>;
  typename V::Acc acc[STREAMS][R];
  for (size_t t = 0; t < STREAMS; ++t)
    for (size_t r = 0; r < R; ++r) acc[t][r] = V::accZero();
  const uint8_t* w[STREAMS];
  for (size_t t = 0; t < STREAMS; ++t) w[t] = prepared + (first + t * stride) * blocks * R * V::kBytes;
  const int8_t* q = c.q;
  for (size_t block0 = 0; block0 < blocks; block0 += kChunkBlocks) {
    const size_t end = blocks - block0 < kChunkBlocks ? blocks : block0 + kChunkBlocks;
    typename G::P p[STREAMS][R];
    for (size_t t = 0; t < STREAMS; ++t)
      for (size_t r = 0; r < R; ++r) p[t][r] = G::zero();
    for (size_t block = block0; block < end; ++block) {
      typename V::I a[kI8PlanesPerBlock];
      if constexpr (!kDotFromMemory<V>)
        for (size_t s = 0; s < kI8PlanesPerBlock; ++s) a[s] = V::load(q + s * V::kBytes);
      for (size_t t = 0; t < STREAMS; ++t) {
        // Into every cache level (prefetcht0), not as non-temporal: Intel's prefetchnta fills L1
        // alone and the evicted line skips L2, so weights that fit in L2 came from DRAM on
        // every call (Sapphire Rapids, avx512-vnni 4096x4096, 2 threads: hot 0.27 -> 0.057 ms,
        // cold 0.33 -> 0.15 ms).
        if constexpr (PREFETCH > 0)
          for (size_t r = 0; r < R * V::kBytes; r += 64) __builtin_prefetch(w[t] + PREFETCH + r, 0, 3);
        for (size_t r = 0; r < R; ++r) {
          const typename V::I packed = V::load(w[t] + r * V::kBytes);
          gemvRowDot<V>(p[t][r], packed, a, q);
        }
        w[t] += R * V::kBytes;
      }
      q += kI8PlanesPerBlock * V::kBytes;
    }
    for (size_t t = 0; t < STREAMS; ++t)
      for (size_t r = 0; r < R; ++r) G::flush(acc[t][r], p[t][r]);
  }
  for (size_t t = 0; t < STREAMS; ++t)
    for (size_t r = 0; r < R; ++r) storeRow(c, 0, (first + t * stride) * R + r, V::hsum(acc[t][r]));
}

// Batch > 1: a tile's codes are decoded once per chunk of columns into scratch (one plane
// per row and step, so the inner loop is load, multiply-add), then every activation row
// streams past them two at a time; partial sums live in registers for a chunk and in
// scratch (one Acc per row of the batch and of the tile) between chunks.
// V::kGemmChunkBytes where V has it: the decoded chunk and the activation rows of one inner
// loop share L1.
template <typename T>
constexpr size_t i8GemmChunkBytes() {
  if constexpr (requires { T::kGemmChunkBytes; }) return T::kGemmChunkBytes;
  return 4096;
}

inline size_t i8ChunkSteps() {
  size_t steps = i8GemmChunkBytes<V>() / (V::kRowTile * V::kBytes);
  if (steps > V::kPartialSteps) steps = V::kPartialSteps;
  return steps / kI8PlanesPerBlock * kI8PlanesPerBlock;
}

inline size_t i8ThreadScratchBytes(size_t, size_t batch) {
  return i8ChunkSteps() * V::kRowTile * V::kBytes + batch * V::kRowTile * sizeof(typename V::Acc);
}

// A chunk's partial into the row's accumulator: stored over it on the first chunk of a tile
// (nothing zeroes the accumulators first), added to it on the others.
template <bool FIRST>
inline void gemmFlush(typename V::Acc& acc, const typename V::Partial& p) {
  if constexpr (FIRST) {
    typename V::Acc sum = V::accZero();
    V::flush(sum, p);
    acc = sum;
  } else {
    V::flush(acc, p);
  }
}

template <size_t BB, bool FIRST>
inline void i8GemmChunk(const uint8_t* decoded, size_t steps, const int8_t* q0, size_t qStride,
                        typename V::Acc* acc) {
  constexpr size_t R = V::kRowTile;
  typename V::Partial p[R][BB];
  for (size_t r = 0; r < R; ++r)
    for (size_t b = 0; b < BB; ++b) p[r][b] = V::partialZero();
  const uint8_t* codes = decoded;
  const int8_t* q = q0;
  for (size_t step = 0; step < steps; ++step, codes += R * V::kBytes, q += V::kBytes) {
    typename V::I a[BB];
    for (size_t b = 0; b < BB; ++b) a[b] = V::load(q + b * qStride);
    for (size_t r = 0; r < R; ++r) {
      const typename V::I c = V::load(codes + r * V::kBytes);
      for (size_t b = 0; b < BB; ++b) V::partialAdd(p[r][b], c, a[b]);
    }
  }
  for (size_t b = 0; b < BB; ++b)
    for (size_t r = 0; r < R; ++r) gemmFlush<FIRST>(acc[b * R + r], p[r][b]);
}

// The common case written out with named accumulators: GCC 12 keeps an array of eight
// vector accumulators in registers only with extra moves and a spill per step.
template <bool FIRST>
inline void i8GemmChunk4x2(const uint8_t* decoded, size_t steps, const int8_t* q0, size_t qStride,
                           typename V::Acc* acc) {
  static_assert(V::kRowTile == 4);
  typename V::Partial p00 = V::partialZero(), p01 = p00, p10 = p00, p11 = p00, p20 = p00, p21 = p00, p30 = p00,
                      p31 = p00;
  const uint8_t* codes = decoded;
  const int8_t* q = q0;
  for (size_t step = 0; step < steps; ++step, codes += 4 * V::kBytes, q += V::kBytes) {
    const typename V::I a0 = V::load(q), a1 = V::load(q + qStride);
    typename V::I c = V::load(codes);
    V::partialAdd(p00, c, a0);
    V::partialAdd(p01, c, a1);
    c = V::load(codes + V::kBytes);
    V::partialAdd(p10, c, a0);
    V::partialAdd(p11, c, a1);
    c = V::load(codes + 2 * V::kBytes);
    V::partialAdd(p20, c, a0);
    V::partialAdd(p21, c, a1);
    c = V::load(codes + 3 * V::kBytes);
    V::partialAdd(p30, c, a0);
    V::partialAdd(p31, c, a1);
  }
  gemmFlush<FIRST>(acc[0], p00);
  gemmFlush<FIRST>(acc[1], p10);
  gemmFlush<FIRST>(acc[2], p20);
  gemmFlush<FIRST>(acc[3], p30);
  gemmFlush<FIRST>(acc[4], p01);
  gemmFlush<FIRST>(acc[5], p11);
  gemmFlush<FIRST>(acc[6], p21);
  gemmFlush<FIRST>(acc[7], p31);
}

template <typename T>
constexpr size_t i8GemmBatchTile() {
  if constexpr (requires { T::kGemmBatchTile; }) return T::kGemmBatchTile;
  return 2;
}

// One step of i8GemmChunk4x4: code vector r (of four) times activation row b into p{r}{b}.
// Through T::rowPairDots where T has it (two code vectors' eight products at a time, see
// avx512-vnni-i8.cc), else product by product.
template <typename T, typename P = typename T::Partial, typename I = typename T::I>
inline void i8GemmStep4x4(P& p00, P& p01, P& p02, P& p03, P& p10, P& p11, P& p12, P& p13, P& p20, P& p21, P& p22,
                          P& p23, P& p30, P& p31, P& p32, P& p33, const uint8_t* codes, I a0, I a1, I a2, I a3) {
  if constexpr (requires { &T::rowPairDots; }) {
    T::rowPairDots(p00, p01, p02, p03, p10, p11, p12, p13, T::load(codes), T::load(codes + T::kBytes), a0, a1, a2, a3);
    T::rowPairDots(p20, p21, p22, p23, p30, p31, p32, p33, T::load(codes + 2 * T::kBytes), T::load(codes + 3 * T::kBytes),
                   a0, a1, a2, a3);
  } else {
    I c = T::load(codes);
    T::partialAdd(p00, c, a0);
    T::partialAdd(p01, c, a1);
    T::partialAdd(p02, c, a2);
    T::partialAdd(p03, c, a3);
    c = T::load(codes + T::kBytes);
    T::partialAdd(p10, c, a0);
    T::partialAdd(p11, c, a1);
    T::partialAdd(p12, c, a2);
    T::partialAdd(p13, c, a3);
    c = T::load(codes + 2 * T::kBytes);
    T::partialAdd(p20, c, a0);
    T::partialAdd(p21, c, a1);
    T::partialAdd(p22, c, a2);
    T::partialAdd(p23, c, a3);
    c = T::load(codes + 3 * T::kBytes);
    T::partialAdd(p30, c, a0);
    T::partialAdd(p31, c, a1);
    T::partialAdd(p32, c, a2);
    T::partialAdd(p33, c, a3);
  }
}

// Four activation rows at once, for ISAs with 32 vector registers (16 accumulators, four
// activations, one code vector): per step eight loads feed sixteen multiply-adds instead of
// six feeding eight. Named accumulators for the same reason as above.
template <bool FIRST>
inline void i8GemmChunk4x4(const uint8_t* decoded, size_t steps, const int8_t* q0, size_t qStride,
                           typename V::Acc* acc) {
  static_assert(V::kRowTile == 4);
  using P = typename V::Partial;
  P p00 = V::partialZero(), p01 = p00, p02 = p00, p03 = p00, p10 = p00, p11 = p00, p12 = p00, p13 = p00;
  P p20 = p00, p21 = p00, p22 = p00, p23 = p00, p30 = p00, p31 = p00, p32 = p00, p33 = p00;
  const uint8_t* codes = decoded;
  const int8_t* q = q0;
  const size_t stride3 = 3 * qStride;
  for (size_t step = 0; step < steps; ++step, codes += 4 * V::kBytes, q += V::kBytes) {
    const typename V::I a0 = V::load(q), a1 = V::load(q + qStride), a2 = V::load(q + 2 * qStride),
                        a3 = V::load(q + stride3);
    i8GemmStep4x4<V>(p00, p01, p02, p03, p10, p11, p12, p13, p20, p21, p22, p23, p30, p31, p32, p33, codes, a0, a1, a2,
                     a3);
  }
  // acc holds the batch rows' accumulators one after another, kRowTile each.
  gemmFlush<FIRST>(acc[0], p00);
  gemmFlush<FIRST>(acc[1], p10);
  gemmFlush<FIRST>(acc[2], p20);
  gemmFlush<FIRST>(acc[3], p30);
  gemmFlush<FIRST>(acc[4], p01);
  gemmFlush<FIRST>(acc[5], p11);
  gemmFlush<FIRST>(acc[6], p21);
  gemmFlush<FIRST>(acc[7], p31);
  gemmFlush<FIRST>(acc[8], p02);
  gemmFlush<FIRST>(acc[9], p12);
  gemmFlush<FIRST>(acc[10], p22);
  gemmFlush<FIRST>(acc[11], p32);
  gemmFlush<FIRST>(acc[12], p03);
  gemmFlush<FIRST>(acc[13], p13);
  gemmFlush<FIRST>(acc[14], p23);
  gemmFlush<FIRST>(acc[15], p33);
}

// Every activation row of a chunk against its decoded codes: kGemmBatchTile rows at a time,
// then pairs, then one.
template <bool FIRST>
inline void i8GemmBatches(const uint8_t* decoded, size_t steps, const int8_t* q, typename V::Acc* acc,
                          const I8KernelCall& c) {
  constexpr size_t R = V::kRowTile;
  size_t b = 0;
  if constexpr (i8GemmBatchTile<V>() == 4)
    for (; b + 4 <= c.batch; b += 4) i8GemmChunk4x4<FIRST>(decoded, steps, q + b * c.qStride, c.qStride, acc + b * R);
  for (; b + 2 <= c.batch; b += 2) {
    if constexpr (R == 4) i8GemmChunk4x2<FIRST>(decoded, steps, q + b * c.qStride, c.qStride, acc + b * R);
    else i8GemmChunk<2, FIRST>(decoded, steps, q + b * c.qStride, c.qStride, acc + b * R);
  }
  if (b < c.batch) i8GemmChunk<1, FIRST>(decoded, steps, q + b * c.qStride, c.qStride, acc + b * R);
}

// next: the following tile's codes, asked for while this tile computes (null for the last).
inline void i8GemmTile(const uint8_t* prepared, size_t tile, size_t blocks, uint8_t* scratch, const uint8_t* next,
                       const I8KernelCall& c) {
  constexpr size_t R = V::kRowTile;
  const size_t chunkSteps = i8ChunkSteps();
  const size_t chunkBlocks = chunkSteps / kI8PlanesPerBlock;
  uint8_t* decoded = scratch;
  typename V::Acc* acc = reinterpret_cast<typename V::Acc*>(scratch + chunkSteps * R * V::kBytes);
  const size_t tileBytes = blocks * R * V::kBytes;
  const uint8_t* tileBase = prepared + tile * tileBytes;
  for (size_t block0 = 0; block0 < blocks; block0 += chunkBlocks) {
    const size_t count = blocks - block0 < chunkBlocks ? blocks - block0 : chunkBlocks;
    // The next tile's same chunk, so that its decode does not wait on memory: the 2B-4T
    // projections at batch 32 come from DRAM. Zen 4, 2 threads, cold, alternating in one
    // process, 7 rounds: 2560x6912 1.17x, 6912x2560 1.04x, 2560x2560 1.03x; hot 0.996-1.015x.
    if (next)
      for (size_t line = block0 * R * V::kBytes; line < (block0 + count) * R * V::kBytes; line += 64)
        __builtin_prefetch(next + line, 0, 3);
    for (size_t block = 0; block < count; ++block)
      for (size_t r = 0; r < R; ++r) {
        const typename V::I packed = V::load(tileBase + ((block0 + block) * R + r) * V::kBytes);
        uint8_t* out = decoded + (block * kI8PlanesPerBlock * R + r) * V::kBytes;
        V::store(out, V::template plane<0>(packed));
        V::store(out + R * V::kBytes, V::template plane<1>(packed));
        V::store(out + 2 * R * V::kBytes, V::template plane<2>(packed));
        V::store(out + 3 * R * V::kBytes, V::template plane<3>(packed));
      }
    const size_t steps = count * kI8PlanesPerBlock;
    const int8_t* q = c.q + block0 * kI8PlanesPerBlock * V::kBytes;
    if (block0 == 0) i8GemmBatches<true>(decoded, steps, q, acc, c);
    else i8GemmBatches<false>(decoded, steps, q, acc, c);
  }
  for (size_t b = 0; b < c.batch; ++b)
    for (size_t r = 0; r < R; ++r) storeRow(c, b, tile * R + r, V::hsum(acc[b * R + r]));
}

// Batch 1 in steps (I8KernelTable::gemvSteps): step i < part reads tile i of each of the
// STREAMS parts of the rows, the steps after it the tiles left over, one at a time.
struct I8GemvSplit {
  size_t tileBegin, tiles, part;
};
template <size_t STREAMS>
inline I8GemvSplit i8GemvSplit(const I8KernelCall& c) {
  const size_t tileBegin = c.rowBegin / V::kRowTile;
  const size_t tiles = (c.rowEnd + V::kRowTile - 1) / V::kRowTile - tileBegin;
  return {tileBegin, tiles, streamTiles(tiles, STREAMS, i8Blocks(c) * V::kRowTile * V::kBytes)};
}

template <size_t PREFETCH = i8GemvPrefetchBytes<V>(), size_t STREAMS = V::kGemvStreams>
size_t i8GemvSteps(const I8KernelCall& c) {
  const I8GemvSplit split = i8GemvSplit<STREAMS>(c);
  return split.part + (split.tiles - STREAMS * split.part);
}

template <size_t PREFETCH = i8GemvPrefetchBytes<V>(), size_t STREAMS = V::kGemvStreams>
void i8GemvRunSteps(const uint8_t* prepared, const I8KernelCall& c, size_t first, size_t last) {
  const size_t blocks = i8Blocks(c);
  const I8GemvSplit split = i8GemvSplit<STREAMS>(c);
  for (size_t i = first; i < last; ++i) {
    if (i < split.part) i8GemvTiles<STREAMS, PREFETCH>(prepared, split.tileBegin + i, split.part, blocks, c);
    else i8GemvTiles<1, PREFETCH>(prepared, split.tileBegin + STREAMS * split.part + (i - split.part), 0, blocks, c);
  }
}

// PREFETCH and STREAMS: the batch-1 kernel's, V's unless a table asks otherwise.
template <size_t PREFETCH = i8GemvPrefetchBytes<V>(), size_t STREAMS = V::kGemvStreams>
void i8RunTiles(const uint8_t* prepared, void* scratch, const I8KernelCall& c) {
  if (c.batch == 1)
    return i8GemvRunSteps<PREFETCH, STREAMS>(prepared, c, 0, i8GemvSteps<PREFETCH, STREAMS>(c));
  const size_t blocks = i8Blocks(c);
  const size_t tileBegin = c.rowBegin / V::kRowTile;
  const size_t tileEnd = (c.rowEnd + V::kRowTile - 1) / V::kRowTile;
  const size_t tileBytes = blocks * V::kRowTile * V::kBytes;
  for (size_t t = tileBegin; t < tileEnd; ++t)
    i8GemmTile(prepared, t, blocks, static_cast<uint8_t*>(scratch), t + 1 < tileEnd ? prepared + (t + 1) * tileBytes : nullptr,
               c);
}
