// Dense kernels (fp32 or bf16 weights widened to fp32), written once against the vector type
// `V` of the including ISA translation unit (see fused-tiles.inl). `Load` turns kLanes
// weights into one fp32 vector. Rows are zero-padded to kStride, a multiple of kLanes.
//
// A block of RB weight rows times BB activation rows: each loaded weight vector serves BB
// FMAs and each activation vector RB, which keeps the loads below the FMA rate.

template <class Weight, class Load, size_t RB, size_t BB>
inline void denseBlock(const Weight* w, const float* rowScales, size_t kStride, const KernelCall& c,
                       size_t row0, size_t b0) {
  typename V::F acc[RB][BB];
  for (size_t r = 0; r < RB; ++r)
    for (size_t b = 0; b < BB; ++b) acc[r][b] = V::zero();
  const size_t kVec = (c.k + V::kLanes - 1) / V::kLanes * V::kLanes;
  for (size_t j = 0; j < kVec; j += V::kLanes) {
    typename V::F xv[BB];
    for (size_t b = 0; b < BB; ++b) xv[b] = V::loadu(c.x + (b0 + b) * c.xStride + j);
    for (size_t r = 0; r < RB; ++r) {
      const typename V::F wv = Load::load(w + (row0 + r) * kStride + j);
      for (size_t b = 0; b < BB; ++b) acc[r][b] = V::fma(wv, xv[b], acc[r][b]);
    }
  }
  for (size_t r = 0; r < RB; ++r) {
    const float scale = rowScales ? c.scale * rowScales[row0 + r] : c.scale;
    for (size_t b = 0; b < BB; ++b) c.y[(b0 + b) * c.n + row0 + r] = V::hsum(acc[r][b]) * scale;
  }
}

template <class Weight, class Load, size_t RB>
inline void denseRowBlock(const Weight* w, const float* rowScales, size_t kStride, const KernelCall& c,
                          size_t row0) {
  // Batch 1 is memory-bound: four rows share the activation loads. Larger batches reuse
  // each weight vector across four activation rows.
  size_t b0 = 0;
  for (; b0 + 4 <= c.batch; b0 += 4) denseBlock<Weight, Load, RB, 4>(w, rowScales, kStride, c, row0, b0);
  switch (c.batch - b0) {
    case 3: denseBlock<Weight, Load, RB, 3>(w, rowScales, kStride, c, row0, b0); break;
    case 2: denseBlock<Weight, Load, RB, 2>(w, rowScales, kStride, c, row0, b0); break;
    case 1: denseBlock<Weight, Load, RB, 1>(w, rowScales, kStride, c, row0, b0); break;
    default: break;
  }
}

template <class Weight, class Load>
inline void denseRows(const Weight* w, const float* rowScales, size_t kStride, const KernelCall& c) {
  size_t row = c.rowBegin;
  for (; row + 4 <= c.rowEnd; row += 4) denseRowBlock<Weight, Load, 4>(w, rowScales, kStride, c, row);
  for (; row < c.rowEnd; ++row) denseRowBlock<Weight, Load, 1>(w, rowScales, kStride, c, row);
}

struct LoadF32 {
  static typename V::F load(const float* p) { return V::loadu(p); }
};
struct LoadBf16 {
  static typename V::F load(const uint16_t* p) { return V::loadBf16(p); }
};
struct LoadI8 {
  static typename V::F load(const int8_t* p) { return V::loadI8(p); }
};

inline void denseF32Rows(const float* w, size_t kStride, const KernelCall& c) {
  denseRows<float, LoadF32>(w, nullptr, kStride, c);
}
inline void denseBf16Rows(const uint16_t* w, size_t kStride, const uint16_t*, const KernelCall& c) {
  denseRows<uint16_t, LoadBf16>(w, nullptr, kStride, c);
}
inline void denseI8Rows(const int8_t* w, const float* rowScales, size_t kStride, const KernelCall& c) {
  denseRows<int8_t, LoadI8>(w, rowScales, kStride, c);
}
