#include "stripe-layout.h"

#include <cstring>
#include <vector>

#include "ternary-layout.h"

namespace bitbench {

void repackStripes(const uint8_t* packed, size_t n, size_t k, size_t planeBytes, uint8_t* out) {
  const size_t chunkRows = stripeChunkRows(planeBytes), bytes = stripeBytes(n, planeBytes);
  // Where each row of a chunk goes: its byte and crumb.
  std::vector<uint8_t> byteOf(chunkRows), shiftOf(chunkRows);
  for (size_t byte = 0; byte < planeBytes; ++byte)
    for (size_t crumb = 0; crumb < 4; ++crumb) {
      const size_t row = stripeRowOf(byte, crumb, planeBytes);
      byteOf[row] = static_cast<uint8_t>(byte);
      shiftOf[row] = static_cast<uint8_t>(2 * crumb);
    }
  std::memset(out, 0, stripePreparedBytes(n, k, planeBytes));
  // Chunk by chunk, so the packed rows read (chunkRows of them) and the chunk's vectors
  // written (one per column) stay in cache.
  for (size_t chunk = 0; chunk * chunkRows < stripeRows(n, planeBytes); ++chunk)
    for (size_t r = 0; r < chunkRows; ++r) {
      const size_t row = chunk * chunkRows + r;
      uint8_t* base = out + chunk * planeBytes + byteOf[r];
      const unsigned shift = shiftOf[r];
      for (size_t col = 0; col < k; ++col) {
        const int code = row < n ? packedCode(packed, k, row, col) : kCodeZero;
        base[col * bytes] |= static_cast<uint8_t>(code << shift);
      }
    }
}

size_t nonzeroColumnsI8(const int8_t* q, size_t k, uint32_t* out) {
  size_t count = 0;
  // Branch-free: the store always happens, the count moves on only past a nonzero value.
  for (size_t i = 0; i < k; ++i) {
    out[count] = static_cast<uint32_t>(i);
    count += q[i] != 0;
  }
  return count;
}

}  // namespace bitbench
