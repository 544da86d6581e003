#include "weight_storage.h"

#include <algorithm>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace storefuse::infer {

namespace {
constexpr size_t kHugePage = 2 << 20;
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

}  // namespace storefuse::infer
