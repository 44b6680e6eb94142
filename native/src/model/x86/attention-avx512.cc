// Decode attention compiled for avx512 (own target flags, see CMakeLists.txt).
#include "../attention-chunk.inl"

namespace bitbench {

const AttentionKernels& avx512AttentionKernels() {
  static const AttentionKernels kernels{"avx512",
                                        {attendChunk<KvDtype::kBf16>, attendChunk<KvDtype::kInt8>,
                                         attendChunk<KvDtype::kFp8E4M3>, attendChunk<KvDtype::kFp8E5M2>},
                                        {attendChunk<KvDtype::kBf16, true>, attendChunk<KvDtype::kInt8, true>,
                                         attendChunk<KvDtype::kFp8E4M3, true>, attendChunk<KvDtype::kFp8E5M2, true>}};
  return kernels;
}

}  // namespace bitbench
