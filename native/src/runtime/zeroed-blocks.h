// Activation sparsity for the kernel benchmark: zero a chosen fraction of each activation row
// in contiguous, aligned blocks, the shape a sparse kernel can skip (elements zeroed one by one
// would leave almost no block all zero at the same fraction).
#pragma once
#include <cstddef>
#include <cstdint>

namespace bitbench {

// Zeroes round(fraction * blocks) of the ceil(k / blockColumns) blocks of each of `rows` rows
// of k floats, the same blocks in every row, chosen by a shuffle seeded with `seed`. Returns
// the fraction of values now zero. The timing loop passes the sparse kernel's own column
// block (ComputePath::sparseBlockColumns), as the model's top-k-blocks zeroes: a fixed block
// that the kernel's blocks do not divide leaves some of them partly zero, read in full (256
// columns left 45% of the AVX-512 fp32 kernel's 36-column panels, as they were, all zero at 50%).
double zeroActivationBlocks(uint64_t seed, double fraction, size_t rows, size_t k, size_t blockColumns, float* x);

// Zeroes round(fraction * k) values of each of `rows` rows of k floats one by one, the same
// columns in every row, chosen by a shuffle seeded with `seed`: the scattered zeros top-k or a
// ReLU leaves, which almost never empty a whole block. Returns the fraction of values now zero.
double zeroActivationValues(uint64_t seed, double fraction, size_t rows, size_t k, float* x);

}  // namespace bitbench
