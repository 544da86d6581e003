#include "relu.h"

#include "elementwise.h"

namespace storefuse::infer {

void Relu::run(OpContext& ctx) const {
  run_unary<float, int32_t, int64_t, int8_t>(ctx, [](auto x) { return x > 0 ? x : decltype(x){0}; });
}

}  // namespace storefuse::infer
