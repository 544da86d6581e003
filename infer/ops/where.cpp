#include "where.h"

#include "elementwise.h"

namespace storefuse::infer {

void Where::run(OpContext& ctx) const {
  const Tensor& cond = ctx.input(0);
  const Tensor& x = ctx.input(1);
  const Tensor& y = ctx.input(2);
  if (cond.dtype() != DType::Bool) throw unsupported_dtype(ctx.node, cond.dtype(), "condition");
  check_same_dtype(ctx, 1, 2);
  Shape shape = broadcast_shape(broadcast_shape(cond.shape(), x.shape(), ctx.node), y.shape(), ctx.node);
  std::array<std::vector<int64_t>, 3> strides{broadcast_strides(cond.shape(), shape),
                                              broadcast_strides(x.shape(), shape),
                                              broadcast_strides(y.shape(), shape)};
  dispatch<float, int64_t, int32_t, uint8_t, int8_t, bool, Float16>(x.dtype(), ctx.node, [&](auto zero) {
    using T = decltype(zero);
    const bool* pc = cond.data<bool>();
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    T* out = ctx.output(0, x.dtype(), shape).template data<T>();
    parallel_for_each_broadcast<3>(shape, strides, [&](int64_t o, const std::array<int64_t, 3>& off) {
      out[o] = pc[off[0]] ? px[off[1]] : py[off[2]];
    });
  });
}

}  // namespace storefuse::infer
