// The inner loop of decode attention, per ISA: one kv head's query group against a run of
// cached positions in one KV format. Each ISA's translation unit compiles the same template
// (attention-chunk.inl) with its own target flags; the loops are written so the compiler
// vectorizes them (independent lanes, no reassociation needed), fp8 decoding included.
#pragma once
#include <cstddef>
#include <cstdint>

#include "attention-sparsity.h"
#include "model-spec.h"

namespace bitbench {

struct Implementation;

// A softmax over part of the positions, left unnormalized so chunks combine exactly:
// out[g] = sum_j exp(s_gj - maxes[g]) v_j and sums[g] = sum_j exp(s_gj - maxes[g]).
struct AttentionChunk {
  const float* q;  // group query heads of headDim, contiguous
  size_t group;
  size_t headDim;
  const uint8_t* keys;  // the chunk's first position, this head
  const uint8_t* values;
  const float* keyScales;  // null for bf16
  const float* valueScales;
  size_t rowBytes;
  size_t scaleStride;
  size_t count;  // positions, at least one
  float scoreScale;  // 1 / sqrt(headDim)
  float* scores;  // scratch: group * count
  float* row;  // scratch: headDim
  float* out;  // group * headDim
  float* maxes;  // group
  float* sums;  // group
  // Score modes (masked kernels only): selection on each head's scores, its scratch (count
  // floats) and the kept (head, position) pairs added up.
  const AttentionSparsity* select = nullptr;
  float* selectScratch = nullptr;
  size_t* kept = nullptr;
};

using AttendChunkFn = void (*)(const AttentionChunk&);

struct AttentionKernels {
  const char* name;
  AttendChunkFn chunk[4];  // by KvDtype
  // The same with a score selection before the softmax: dropped scores weigh exactly zero,
  // and a value row no head of the group keeps is not read.
  AttendChunkFn maskedChunk[4];
};

// The kernels compiled for `implementation`'s ISA family (avx512*, avx2/avx-vnni, or the
// portable build, which the compiler vectorizes for the baseline: SSE2, or NEON on Arm).
const AttentionKernels& attentionKernelsFor(const Implementation* implementation);

const AttentionKernels& genericAttentionKernels();
#ifdef BITBENCH_HAVE_X86_KERNELS
const AttentionKernels& avx2AttentionKernels();
const AttentionKernels& avx512AttentionKernels();
#endif

}  // namespace bitbench
