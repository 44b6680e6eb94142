// W1.58A8: ternary weights times int8 activations (the `fused-i8` path). Each ISA fills in
// one I8KernelTable. Plain C types only, for the same reason as kernel-table.h: every ISA
// translation unit is compiled with its own target flags.
#pragma once
#include <cstddef>
#include <cstdint>

#include "stream-split.h"

namespace bitbench {

// One activation row quantized per token as BitNet does: q = clamp(round(x * 127 / max|x|),
// -127, 127). `dequant` is max|x| / 127 (what one unit of q is worth) and `sum` the sum of q,
// which the code-offset trick subtracts: with codes c = w + 1, W.q = C.q - sum(q).
struct I8Row {
  float dequant;
  int32_t sum;
};

// Rows [rowBegin, rowEnd) of y = weightScale * dequant_b * (W q_b) for `batch` rows q_b.
// q: batch rows of qStride int8 values, zero past k. y: batch rows of n floats.
struct I8KernelCall {
  size_t n;
  size_t k;
  const int8_t* q;
  size_t qStride;
  const I8Row* rows;
  size_t batch;
  float weightScale;
  float* y;
  size_t rowBegin;
  size_t rowEnd;
  // This thread's scratch still holds what an earlier run of the same call laid out from q
  // (the AMX kernel's B tiles), so `run` may skip that: set by a path that runs one call's
  // rows as several runs on a thread.
  bool scratchHoldsActivations = false;
};

struct I8KernelTable {
  // Exactly which instructions run, e.g. "avx2 fused-i8: vpmaddubsw + vpmaddwd".
  const char* name;
  // The prepared layout (i8-layout.h): code planes of `planeBytes` bytes (one vector), so a
  // block covers 4 * planeBytes columns, in tiles of `rowTile` rows.
  size_t planeBytes;
  size_t rowTile;
  // Scratch each thread of a call gets to itself (decoded weights and partial sums of the
  // batched kernel); kStride is the padded activation length.
  size_t (*threadScratchBytes)(size_t kStride, size_t batch);
  void (*run)(const uint8_t* prepared, void* threadScratch, const I8KernelCall& call);
  // Batch 1 in steps, so that the path's threads may deal them out: how many steps `run`
  // takes over call's rows, and steps [first, last) of them (their order and reads exactly
  // run's, rowBegin and rowEnd naming whose rows). May be null: the path splits rows once.
  size_t (*gemvSteps)(const I8KernelCall& call);
  void (*gemvRunSteps)(const uint8_t* prepared, const I8KernelCall& call, size_t first, size_t last);
  // Quantizes k floats (x) into qStride int8 values (zero past k), as I8Row describes.
  void (*quantize)(const float* x, size_t k, size_t qStride, int8_t* q, I8Row* row);
  // Dense int8 weights (rows of qStride values in [-127, 127], one fp32 scale per row) times
  // the quantized activations: the model's int8 LM head on the same integer units,
  // y = rowScales[row] * dequant_b * (w . q_b) (call.weightScale unused). May be null: the
  // model then widens the int8 head to fp32 as the other paths do.
  void (*denseRows)(const int8_t* weights, const float* rowScales, const I8KernelCall& call);
  // Batch 1 over the column-block layout (sparse-layout.h, planes of planeBytes): reads only
  // the `count` column blocks listed in `blocks` (every other block of call.q is all zero).
  // Bitwise the dense kernel's result. threadScratch: kSparseThreadScratchBytes of the
  // thread's own. May be null: no sparse kernel, the path runs dense.
  void (*sparseRun)(const uint8_t* sparsePrepared, void* threadScratch, const uint32_t* blocks, size_t count,
                    const I8KernelCall& call);
  // Batch 1 over the column-stripe layout (stripe-layout.h, chunks of planeBytes): the int32
  // dots C.q over only the `count` columns listed (the nonzero activations of q), for all
  // stripeRows(n) rows, each row's times 4^stripeRowShift, into `dots`, or added to what
  // `dots` holds when `accumulate`. `following`: how many listed columns after these may be
  // asked for ahead (the caller's next ones; their addresses are read, nothing else). The path
  // deals the listed columns out to its threads, then adds their dots and rescales each
  // output. May be null: the path runs the column-block or the dense kernel.
  void (*stripeRun)(const uint8_t* stripes, size_t n, const int8_t* q, const uint32_t* columns, size_t count,
                    size_t following, bool accumulate, int32_t* dots);
};

}  // namespace bitbench
