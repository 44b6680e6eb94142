// The quintet code of AVX2's fused layout (ternary-layout.h): five ternary weights as three
// 3-bit indexes, one into each of three 8-entry parts, whose sum is the five weights.
//
// vpermps looks up 8-entry tables, and each lookup costs a shuffle-port slot, the port that
// bounds AVX2's batch-1 kernel. Three columns in two lookups (3^3 = 27 <= 8 x 8) is 1.5 weights
// a lookup; five in three (3^5 = 243 <= 8 x 8 x 8) is 1.67, and in the same 32-bit word (three
// quintets, 27 bits, against five triples' 30): 9 lookups for 15 weights of a row instead of 10.
// No split along columns reaches five in three (a pair's 9 values do not fit one table), so the
// parts mix columns and hold up to +-2 in a column that the other parts bring back into
// {-1, 0, +1}. These three were found by a search over such parts, with entry 0 of each the
// zero vector: all-zero weights then sum to exactly 0 + 0 + 0, as on every other path (the
// first parts found summed them from nonzero entries, to a rounding residue of the
// activations). kQuintetIndexes checks at compile time that every one of the 243 weight
// vectors is a sum of one entry of each, and takes for each the sum with the fewest nonzero
// part weights (the least rounding).
//
// Plain constexpr data, shared by the layout's packer and the kernel's translation unit.
#pragma once
#include <cstddef>
#include <cstdint>

namespace bitbench {

constexpr size_t kQuintetColumns = 5;
constexpr size_t kQuintetParts = 3;
constexpr size_t kQuintetPartEntries = 8;
constexpr unsigned kQuintetIndexBits = 3;

// kQuintetPartWeights[p][e][i]: entry e of part p, its weight for column i of the quintet.
constexpr int8_t kQuintetPartWeights[kQuintetParts][kQuintetPartEntries][kQuintetColumns] = {
    {{0, 0, 0, 0, 0}, {0, 0, 0, -1, 0}, {0, 0, 0, 1, 0}, {-1, 0, -1, -1, 0},
     {-1, 0, -1, 1, 0}, {-1, 0, -1, 0, 0}, {0, 1, 0, 0, 1}, {0, 0, 0, 1, 2}},
    {{0, 0, 0, 0, 0}, {1, 0, 0, 0, 1}, {2, 0, 0, 0, -1}, {1, 0, 0, 0, 0},
     {1, 0, -1, 0, 1}, {2, 0, 0, 0, 0}, {0, 0, 0, 0, -1}, {1, 0, 0, 0, -1}},
    {{0, 0, 0, 0, 0}, {-1, 0, 1, 0, 0}, {0, 1, 0, 0, 0}, {-1, -1, 1, 0, 0},
     {-1, -1, 1, -1, 1}, {0, 1, 2, 0, 1}, {0, -1, 0, 0, 0}, {-1, 1, 1, 0, 0}},
};

// Whether part p has a nonzero weight for column i in any entry (the kernels skip the others).
constexpr bool quintetPartUsesColumn(size_t p, size_t i) {
  for (size_t e = 0; e < kQuintetPartEntries; ++e)
    if (kQuintetPartWeights[p][e][i] != 0) return true;
  return false;
}

// The three indexes of each weight vector, by its codes (0, 1, 2 for -1, 0, +1):
// index[c0 + 3 c1 + 9 c2 + 27 c3 + 81 c4] = e0 | e1 << 3 | e2 << 6, entry ep of part p.
constexpr size_t kQuintetVectors = 243;
struct QuintetIndexes {
  uint16_t index[kQuintetVectors];
  constexpr QuintetIndexes() : index{} {
    int nonzeros[kQuintetVectors] = {};
    for (size_t v = 0; v < kQuintetVectors; ++v) nonzeros[v] = -1;  // none found yet
    for (size_t e0 = 0; e0 < kQuintetPartEntries; ++e0)
      for (size_t e1 = 0; e1 < kQuintetPartEntries; ++e1)
        for (size_t e2 = 0; e2 < kQuintetPartEntries; ++e2) {
          const size_t entries[kQuintetParts] = {e0, e1, e2};
          size_t vector = 0;
          int used = 0;
          bool ternary = true;
          for (size_t i = kQuintetColumns; i-- > 0;) {
            int w = 0;
            for (size_t p = 0; p < kQuintetParts; ++p) {
              w += kQuintetPartWeights[p][entries[p]][i];
              used += kQuintetPartWeights[p][entries[p]][i] != 0;
            }
            ternary = ternary && w >= -1 && w <= 1;
            vector = vector * 3 + static_cast<size_t>(w + 1);
          }
          if (!ternary || (nonzeros[vector] >= 0 && nonzeros[vector] <= used)) continue;
          nonzeros[vector] = used;
          index[vector] = static_cast<uint16_t>(e0 | e1 << kQuintetIndexBits | e2 << (2 * kQuintetIndexBits));
        }
    for (size_t v = 0; v < kQuintetVectors; ++v)
      if (nonzeros[v] < 0) throw "a ternary 5-vector is no sum of the quintet parts";  // a compile error
  }
};
constexpr QuintetIndexes kQuintetIndexes{};

}  // namespace bitbench
