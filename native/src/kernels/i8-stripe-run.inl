// The fused-i8 stripe kernels' run over the listed columns (stripe-layout.h), written once for
// the AVX-512 and the 256-bit kernels and included after each defines StripeGroup,
// stripeGroup() and i8StripeSweep<G, FIRST>() over chunks of kStripeChunkBytes.

// Columns whose indexes and activations are copied to the stack a batch at a time, padded for
// the last sweep and the read-ahead: the list and the activations were written by the calling
// thread, and one pass over them lets their lines come over together rather than one sweep
// at a time.
constexpr size_t kStripeBatchColumns = 256;

void i8StripeRun(const uint8_t* stripes, size_t n, const int8_t* q, const uint32_t* listed, size_t count,
                 size_t following, bool accumulate, int32_t* dots) {
  const size_t bytes = stripeBytes(n, kStripeChunkBytes);
  if (count == 0) {
    if (!accumulate)
      for (size_t r = 0; r < 4 * bytes; ++r) dots[r] = 0;
    return;
  }
  uint32_t columns[kStripeBatchColumns + 16];
  int8_t x[kStripeBatchColumns + 16];
  bool first = !accumulate;
  for (size_t batch = 0; batch < count; batch += kStripeBatchColumns) {
    const size_t size = count - batch < kStripeBatchColumns ? count - batch : kStripeBatchColumns;
    // Sixteen more columns: the next batch's first ones where there are (the caller's
    // `following` ones past the last batch), for this batch's last sweeps to ask for ahead,
    // else the first again; all with activation zero, so that a sweep padded with them adds
    // nothing (their chunks are read, and cached for what comes next).
    for (size_t j = 0; j < size + 16; ++j) {
      columns[j] = batch + j < count + following ? listed[batch + j] : listed[batch];
      x[j] = j < size ? q[columns[j]] : 0;
    }
    auto sweep = [&](size_t i, auto groupsInSweep) {
      constexpr size_t G = decltype(groupsInSweep)::value;
      StripeGroup groups[G];
      for (size_t g = 0; g < G; ++g) groups[g] = stripeGroup(stripes, bytes, x + i + 4 * g, columns + i + 4 * g);
      const uint8_t *next[8], *far[8];
      for (size_t j = 0; j < 8; ++j) next[j] = stripes + columns[i + 4 * G + j < size + 16 ? i + 4 * G + j : 0] * bytes;
      for (size_t j = 0; j < 8; ++j) far[j] = stripes + columns[i + 4 * G + 8 + j < size + 16 ? i + 4 * G + 8 + j : 0] * bytes;
      if (first) i8StripeSweep<G, true>(groups, next, far, bytes, dots);
      else i8StripeSweep<G, false>(groups, next, far, bytes, dots);
      first = false;
    };
    size_t i = 0;
    for (; i + 4 < size; i += 8) sweep(i, std::integral_constant<size_t, 2>{});
    if (i < size) sweep(i, std::integral_constant<size_t, 1>{});
  }
}
