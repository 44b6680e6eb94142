#include "aligned-buffer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace bitbench {

namespace {

// Transparent huge pages are 2 MiB on x86-64 and on arm64 with 4 KiB pages.
constexpr uintptr_t kHugePage = uintptr_t{1} << 21;

// A mapping of `bytes` (rounded up to whole pages) that starts on a huge-page boundary, asked
// to be backed by transparent huge pages: streaming weights then walks one page table entry
// per 2 MiB instead of per 4 KiB. Where the kernel offers them only on request
// (/sys/kernel/mm/transparent_hugepage/enabled: madvise) this is that request; where it
// refuses or has none, the same memory comes in small pages. The partial huge page at the end
// stays in small pages (the mapping ends there), so RSS never exceeds what was asked for.
void* mapHugeAligned(size_t bytes) {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t used = (bytes + page - 1) / page * page;
  const uintptr_t span = used + kHugePage;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t end = start + span;
  if (end > aligned + used) munmap(reinterpret_cast<void*>(aligned + used), end - (aligned + used));
  madvise(reinterpret_cast<void*>(aligned), used, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(aligned);
}

}  // namespace

AlignedBuffer::AlignedBuffer(size_t bytes) : bytes_(bytes) {
  if (bytes == 0) return;
  if (bytes >= kMapThreshold) {
    data_ = mapHugeAligned(bytes);
    mapped_ = true;
    return;
  }
  const size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  data_ = std::aligned_alloc(kAlignment, rounded);
  if (data_ == nullptr) throw std::bad_alloc();
}

AlignedBuffer::~AlignedBuffer() {
  if (mapped_) munmap(data_, bytes_);
  else std::free(data_);
}

}  // namespace bitbench
