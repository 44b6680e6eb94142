// Activation sparsity for the kernel benchmark: zero a chosen fraction of each activation row
// in contiguous, aligned blocks, the shape a sparse kernel can skip (elements zeroed one by one
// would leave almost no block all zero at the same fraction).
#pragma once
#include <cstddef>
#include <cstdint>

namespace bitbench {

// Columns per zeroed block: the widest column block of any sparse kernel (AVX-512 fused-i8,
// 4 x 64 columns), so every ISA's blocks are whole inside it.
constexpr size_t kZeroedBlockColumns = 256;

// Zeroes round(fraction * blocks) of the ceil(k / 256) blocks of each of `rows` rows of k
// floats, the same blocks in every row, chosen by a shuffle seeded with `seed`. Returns the
// fraction of values now zero.
double zeroActivationBlocks(uint64_t seed, double fraction, size_t rows, size_t k, float* x);

// Zeroes round(fraction * k) values of each of `rows` rows of k floats one by one, the same
// columns in every row, chosen by a shuffle seeded with `seed`: the scattered zeros top-k or a
// ReLU leaves, which almost never empty a whole block. Returns the fraction of values now zero.
double zeroActivationValues(uint64_t seed, double fraction, size_t rows, size_t k, float* x);

}  // namespace bitbench
