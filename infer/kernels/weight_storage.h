// Storage for weights prepared at load: 64-byte aligned, uninitialised, and
// for 2 MB or more on 2 MB pages where the kernel has them (transparent
// huge pages, asked for with madvise): far fewer page faults while the
// weights are written once at load, and fewer TLB misses when a batch-1
// run streams every weight once. Throws std::bad_alloc.
#pragma once

#include <cstddef>
#include <memory>

namespace storefuse::infer {

std::shared_ptr<void> allocate_weight_storage(size_t bytes);

// Many weights in one such allocation, so that weights of less than 2 MB
// sit on 2 MB pages too once their total reaches it (the int8 seed network's
// matrices are 0.6-2 MB each; a speed-up from it is not established). Each piece keeps the block alive; a piece that is freed
// hands the whole pages it covered back to the system at once (weights
// that are packed into other storage and dropped leave no resident hole).
class WeightBlock {
 public:
  explicit WeightBlock(size_t capacity);
  // What take(bytes) uses of the block's capacity.
  static size_t footprint(size_t bytes);
  // `bytes` of the block, 64-byte aligned and uninitialised; null once the
  // block cannot hold them.
  std::shared_ptr<void> take(size_t bytes);

 private:
  std::shared_ptr<void> block_;
  size_t capacity_ = 0, used_ = 0;
};

}  // namespace storefuse::infer
