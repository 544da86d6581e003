#include "equal.h"

#include "elementwise.h"

namespace storefuse::infer {

void Equal::run(OpContext& ctx) const {
  check_same_dtype(ctx, 0, 1);
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  Shape shape = broadcast_shape(a.shape(), b.shape(), ctx.node);
  dispatch<float, int64_t, int32_t, uint8_t, int8_t, bool>(a.dtype(), ctx.node, [&](auto zero) {
    using T = decltype(zero);
    Tensor& out = ctx.output(0, DType::Bool, shape);
    broadcast_binary<T, bool>(a, b, out, [](T x, T y) { return x == y; });
  });
}

}  // namespace storefuse::infer
