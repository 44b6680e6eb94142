// The fp32 `fused` sparse GEMV (batch 1) over the column-block layout (sparse-layout.h, planes
// of kSparseF32PlaneBytes: blocks of 64 columns, tiles of 256 rows, 4 KiB per tile and block),
// in portable C++ that each ISA translation unit includes inside its anonymous namespace and
// compiles with its own target flags (the per-lane loops below vectorize at any width).
// Only the listed blocks are read; the others' activations are all zero.
//
// Each row keeps 16 partial sums (one per plane byte), so the additions vectorize without
// reordering a reduction; they meet once per row at the end. Weights are decoded as code - 1
// (not C.x - sum(x), whose cancellation on all-positive inputs such as the down projection's
// would cost digits).

inline void fusedSparseRows(const uint8_t* prepared, const uint32_t* blocks, size_t count, const KernelCall& c) {
  constexpr size_t P = kSparseF32PlaneBytes;
  constexpr size_t M = sparseRowTile(P);
  constexpr size_t kBlockColumns = 4 * P;
  const size_t allBlocks = (c.k + kBlockColumns - 1) / kBlockColumns;
  alignas(64) float partial[M][P];
  for (size_t tile = c.rowBegin / M; tile * M < c.rowEnd; ++tile) {
    const size_t first = tile * M;
    const size_t r0 = c.rowBegin > first ? c.rowBegin - first : 0;
    const size_t r1 = c.rowEnd < first + M ? c.rowEnd - first : M;
    const uint8_t* tileBase = prepared + tile * allBlocks * M * P;
    for (size_t r = r0; r < r1; ++r)
      for (size_t j = 0; j < P; ++j) partial[r][j] = 0.0f;
    for (size_t i = 0; i < count; ++i) {
      const float* x = c.x + blocks[i] * kBlockColumns;
      const uint8_t* w = tileBase + blocks[i] * M * P;
      for (size_t r = r0; r < r1; ++r) {
        const uint8_t* wr = w + r * P;
        float* acc = partial[r];
        for (size_t j = 0; j < P; ++j) {
          const int codes = wr[j];
          acc[j] += x[j] * static_cast<float>((codes & 3) - 1) + x[P + j] * static_cast<float>(((codes >> 2) & 3) - 1) +
                    x[2 * P + j] * static_cast<float>(((codes >> 4) & 3) - 1) +
                    x[3 * P + j] * static_cast<float>((codes >> 6) - 1);
        }
      }
    }
    for (size_t r = r0; r < r1; ++r) {
      float dot = 0.0f;
      for (size_t j = 0; j < P; ++j) dot += partial[r][j];
      if (first + r < c.n) c.y[first + r] = c.scale * dot;
    }
  }
}
