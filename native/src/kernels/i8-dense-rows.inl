// The int8 LM head (dense int8 weights, one fp32 scale per row) times quantized activations,
// written once against the vector type `V` of the including ISA translation unit, as
// i8-tiles.inl is. The head is 328 MB of the 852 a 2B-4T token reads at batch 1, straight from
// DRAM every token, so this loop is about keeping memory busy, not about arithmetic.
//
// V must provide:
//   kBytes                     columns per headDot step (rows are qStride bytes, a multiple
//                              of 32; a wider step masks its last load)
//   HeadAcc, headZero(), headSum(HeadAcc) -> int32
//   headDot(HeadAcc&, const int8_t* w, const int8_t* q, size_t remaining)
//                              acc += w . q over the next kBytes columns (remaining of them
//                              left in the row)
//   kHeadPrefetchBytes         how far ahead each weight stream is asked for in software

inline void storeHeadRow(const float* rowScales, const I8KernelCall& c, size_t b, size_t row, int32_t dot) {
  c.y[b * c.n + row] = static_cast<float>(dot) * (rowScales[row] * c.rows[b].dequant);
}

// Rows in pairs from the two halves of the thread's range: two sequential weight streams in
// flight per core, sharing each activation load, each prefetched ahead of its loads (the
// hardware prefetcher alone left them waiting on DRAM: 2B-4T head, 2 threads, Zen 5 with
// AVX-512 VNNI: 21.9 -> 43.6 GB/s, at the machine's read bandwidth; Zen 3 with AVX2: decode
// 26.3 -> 29.2 tok/s). At batch > 1 each pair of rows stays in L1 across the batch.
inline void i8DenseRowPairs(const int8_t* weights, const float* rowScales, const I8KernelCall& c) {
  const size_t half = (c.rowEnd - c.rowBegin) / 2;
  for (size_t i = 0; i < half; ++i) {
    const size_t row0 = c.rowBegin + i, row1 = row0 + half;
    const int8_t* w0 = weights + row0 * c.qStride;
    const int8_t* w1 = weights + row1 * c.qStride;
    for (size_t b = 0; b < c.batch; ++b) {
      const int8_t* q = c.q + b * c.qStride;
      typename V::HeadAcc acc0 = V::headZero(), acc1 = V::headZero();
      for (size_t k = 0; k < c.qStride; k += V::kBytes) {
        if (b == 0 && k % 64 == 0) {
          __builtin_prefetch(w0 + k + V::kHeadPrefetchBytes, 0, 0);
          __builtin_prefetch(w1 + k + V::kHeadPrefetchBytes, 0, 0);
        }
        V::headDot(acc0, w0 + k, q + k, c.qStride - k);
        V::headDot(acc1, w1 + k, q + k, c.qStride - k);
      }
      storeHeadRow(rowScales, c, b, row0, V::headSum(acc0));
      storeHeadRow(rowScales, c, b, row1, V::headSum(acc1));
    }
  }
  for (size_t row = c.rowBegin + 2 * half; row < c.rowEnd; ++row)
    for (size_t b = 0; b < c.batch; ++b) {
      const int8_t* q = c.q + b * c.qStride;
      const int8_t* w = weights + row * c.qStride;
      typename V::HeadAcc acc = V::headZero();
      for (size_t k = 0; k < c.qStride; k += V::kBytes) V::headDot(acc, w + k, q + k, c.qStride - k);
      storeHeadRow(rowScales, c, b, row, V::headSum(acc));
    }
}
