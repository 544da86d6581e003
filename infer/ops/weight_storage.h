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

}  // namespace storefuse::infer
