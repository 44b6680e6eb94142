// Decode attention compiled for generic (the baseline: SSE2 on x86-64, NEON on AArch64).
#include "../attention-chunk.inl"

namespace bitbench {

const AttentionKernels& genericAttentionKernels() {
  static const AttentionKernels kernels{"generic",
                                        {attendChunk<KvDtype::kBf16>, attendChunk<KvDtype::kInt8>,
                                         attendChunk<KvDtype::kFp8E4M3>, attendChunk<KvDtype::kFp8E5M2>},
                                        {attendChunk<KvDtype::kBf16, true>, attendChunk<KvDtype::kInt8, true>,
                                         attendChunk<KvDtype::kFp8E4M3, true>, attendChunk<KvDtype::kFp8E5M2, true>}};
  return kernels;
}

}  // namespace bitbench
