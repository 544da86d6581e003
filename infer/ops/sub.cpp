#include "sub.h"

#include "elementwise.h"

namespace storefuse::infer {

void Sub::run(OpContext& ctx) const {
  run_binary<float, int64_t, int32_t, uint8_t, int8_t>(ctx, [](auto x, auto y) { return x - y; });
}

}  // namespace storefuse::infer
