// Signed int8 weights (the int8 LM head) on AVX-512, for avx512-i8.cc and avx512-vnni-i8.cc:
// vpmaddubsw and vpdpbusd want one unsigned operand, so it gets |w| and the activations take
// w's sign. AVX-512BW has no vpsignb, so a masked subtract from zero negates the activations
// where w < 0. Neither side is ever -128, so nothing saturates. Included inside each file's
// anonymous namespace.

inline __m512i activationsSignedBy(__m512i w, __m512i q) {
  return _mm512_mask_sub_epi8(q, _mm512_movepi8_mask(w), _mm512_setzero_si512(), q);
}

// Rows are qStride bytes (a multiple of 32 in the model); the last step loads under a mask.
inline __mmask64 tailMask(size_t remaining) {
  return remaining >= 64 ? ~__mmask64{0} : (__mmask64{1} << remaining) - 1;
}

// The next 64 columns of a weight row and of the activations (fewer, the rest zero, at the end
// of the row) as the unsigned and the signed operand.
struct SignedOperands {
  __m512i absW, signedQ;
};
inline SignedOperands signedOperands(const int8_t* w, const int8_t* q, size_t remaining) {
  const __mmask64 m = tailMask(remaining);
  const __m512i wv = _mm512_maskz_loadu_epi8(m, w), qv = _mm512_maskz_loadu_epi8(m, q);
  return {_mm512_abs_epi8(wv), activationsSignedBy(wv, qv)};
}
