#include "attention-kernels.h"

#include <cstring>

#include "../dispatch/implementations.h"

namespace bitbench {

const AttentionKernels& attentionKernelsFor(const Implementation* implementation) {
#ifdef BITBENCH_HAVE_X86_KERNELS
  // The implementation was already checked against the CPU; its name says the vector width.
  const char* name = implementation ? implementation->name : "";
  if (std::strncmp(name, "avx512", 6) == 0 || std::strcmp(name, "amx-int8") == 0) return avx512AttentionKernels();
  if (std::strcmp(name, "avx2") == 0 || std::strcmp(name, "avx-vnni") == 0) return avx2AttentionKernels();
#else
  (void)implementation;
#endif
  return genericAttentionKernels();
}

}  // namespace bitbench
