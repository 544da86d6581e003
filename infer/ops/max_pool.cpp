#include "max_pool.h"

#include <limits>

#include "dispatch.h"
#include "pool.h"

namespace storefuse::infer {

MaxPool::MaxPool(const Node& node) : window_(node, true) {
  if (node.has_output(1))
    throw node.error(ErrorKind::Unsupported, "the Indices output is not supported", "use MaxPool's first output only");
  if (node.attr_int("storage_order", 0) != 0)
    throw node.error(ErrorKind::Unsupported, "storage_order 1 (column major) is not supported");
}

void MaxPool::run(OpContext& ctx) const {
  dispatch<float, uint8_t, int8_t>(ctx.input(0).dtype(), ctx.node, [&](auto zero) {
    using T = decltype(zero);
    run_pool<T>(ctx, window_, [](const int64_t* taps, int64_t count, const T* plane) {
      T best = std::numeric_limits<T>::lowest();
      for (int64_t k = 0; k < count; ++k) {
        if (taps[k] >= 0 && plane[taps[k]] > best) best = plane[taps[k]];
      }
      return best;
    });
  });
}

}  // namespace storefuse::infer
