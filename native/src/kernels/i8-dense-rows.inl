// The int8 LM head (dense int8 weights, one fp32 scale per row) times quantized activations,
// written once against the vector type `V` of the including ISA translation unit, as
// i8-tiles.inl is. The head is 328 MB of the 852 a 2B-4T token reads at batch 1, straight from
// DRAM every token, so this loop is about keeping memory busy, not about arithmetic.
//
// V must provide, beside what i8-tiles.inl uses (kBytes, Acc, accZero, hsum):
//   headDot(Acc&, const int8_t* w, const int8_t* q, size_t remaining)
//                              acc += w . q over the next kBytes columns (remaining of them
//                              left in the row; rows are qStride bytes, a multiple of 32, so
//                              a 64-byte step masks its last load)
// and may provide kHeadPrefetchBytes: how far ahead each weight stream is asked for in
// software (2 KiB if absent).

template <typename T>
constexpr size_t i8HeadPrefetchBytes() {
  if constexpr (requires { T::kHeadPrefetchBytes; }) return T::kHeadPrefetchBytes;
  return 2048;
}

inline void storeHeadRow(const float* rowScales, const I8KernelCall& c, size_t b, size_t row, int32_t dot) {
  c.y[b * c.n + row] = static_cast<float>(dot) * (rowScales[row] * c.rows[b].dequant);
}

// Rows in pairs from the two halves of the thread's range: two sequential weight streams in
// flight per core, sharing each activation load, each prefetched ahead of its loads (the
// hardware prefetcher alone left them waiting on DRAM: 2B-4T head, 2 threads, Zen 5 with
// AVX-512 VNNI: 21.9 -> 43.6 GB/s, at the machine's read bandwidth; Zen 3 with AVX2: decode
// 26.3 -> 29.2 tok/s). At batch > 1 each pair of rows stays in L1 across the batch. The two
// streams never start a multiple of 64 KiB apart (stream-split.h; a row less in each half,
// the rows left over one by one): a 32000 x 4096 head (seed-7b) at 2 threads put them exactly
// 500 x 64 KiB apart.
inline void i8DenseRowPairs(const int8_t* weights, const float* rowScales, const I8KernelCall& c) {
  const size_t half = streamTiles(c.rowEnd - c.rowBegin, 2, c.qStride);
  for (size_t i = 0; i < half; ++i) {
    const size_t row0 = c.rowBegin + i, row1 = row0 + half;
    const int8_t* w0 = weights + row0 * c.qStride;
    const int8_t* w1 = weights + row1 * c.qStride;
    for (size_t b = 0; b < c.batch; ++b) {
      const int8_t* q = c.q + b * c.qStride;
      typename V::Acc acc0 = V::accZero(), acc1 = V::accZero();
      for (size_t k = 0; k < c.qStride; k += V::kBytes) {
        // prefetcht0, not prefetchnta: on Intel a non-temporal prefetch fills L1 alone and
        // left these streams at a third of DRAM bandwidth (2B-4T decode, Sapphire Rapids,
        // 2 threads, int8 head: 18.2 -> 30.6 tokens/s).
        if (b == 0 && k % 64 == 0) {
          __builtin_prefetch(w0 + k + i8HeadPrefetchBytes<V>(), 0, 3);
          __builtin_prefetch(w1 + k + i8HeadPrefetchBytes<V>(), 0, 3);
        }
        V::headDot(acc0, w0 + k, q + k, c.qStride - k);
        V::headDot(acc1, w1 + k, q + k, c.qStride - k);
      }
      storeHeadRow(rowScales, c, b, row0, V::hsum(acc0));
      storeHeadRow(rowScales, c, b, row1, V::hsum(acc1));
    }
  }
  for (size_t row = c.rowBegin + 2 * half; row < c.rowEnd; ++row)
    for (size_t b = 0; b < c.batch; ++b) {
      const int8_t* q = c.q + b * c.qStride;
      const int8_t* w = weights + row * c.qStride;
      typename V::Acc acc = V::accZero();
      for (size_t k = 0; k < c.qStride; k += V::kBytes) V::headDot(acc, w + k, q + k, c.qStride - k);
      storeHeadRow(rowScales, c, b, row, V::hsum(acc));
    }
}
