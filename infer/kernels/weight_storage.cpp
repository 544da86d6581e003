#include "weight_storage.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace storefuse::infer {

namespace {
constexpr size_t kHugePage = 2 << 20;
constexpr size_t kAlign = 64;
constexpr uintptr_t kPage = 4096;
}  // namespace

std::shared_ptr<void> allocate_weight_storage(size_t bytes) {
  const size_t align = bytes >= kHugePage ? kHugePage : 64;
  const size_t rounded = std::max<size_t>((bytes + align - 1) / align * align, 64);
  void* raw = std::aligned_alloc(align, rounded);
  if (!raw) throw std::bad_alloc();
#if defined(__linux__)
  if (align == kHugePage) madvise(raw, rounded, MADV_HUGEPAGE);  // advice only: failure changes nothing
#endif
  return std::shared_ptr<void>(raw, [](void* p) { std::free(p); });
}

WeightBlock::WeightBlock(size_t capacity) : capacity_(capacity) {
  if (capacity > 0) block_ = allocate_weight_storage(capacity);
}

size_t WeightBlock::footprint(size_t bytes) { return std::max<size_t>((bytes + kAlign - 1) / kAlign * kAlign, kAlign); }

std::shared_ptr<void> WeightBlock::take(size_t bytes) {
  const size_t size = footprint(bytes);
  if (!block_ || size > capacity_ - used_) return nullptr;
  char* piece = static_cast<char*>(block_.get()) + used_;
  used_ += size;
  std::shared_ptr<void> block = block_;
  return std::shared_ptr<void>(piece, [block, size](void* p) {
#if defined(__linux__)
    // The whole pages inside this piece (its neighbours may still be in use).
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kPage - 1) / kPage * kPage;
    const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + size) / kPage * kPage;
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
#else
    (void)p;
    (void)size;
#endif
  });
}

}  // namespace storefuse::infer
