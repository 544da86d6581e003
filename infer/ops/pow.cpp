#include "pow.h"

#include <cmath>

#include "broadcast.h"
#include "dispatch.h"

namespace storefuse::infer {

void Pow::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.input(1);
  Shape shape = broadcast_shape(x.shape(), y.shape(), ctx.node);
  std::array<std::vector<int64_t>, 2> strides{broadcast_strides(x.shape(), shape),
                                              broadcast_strides(y.shape(), shape)};
  dispatch<float, int32_t, int64_t>(x.dtype(), ctx.node, [&](auto base_zero) {
    using T = decltype(base_zero);
    dispatch<float, int32_t, int64_t>(y.dtype(), ctx.node, [&](auto exp_zero) {
      using E = decltype(exp_zero);
      const T* px = x.data<T>();
      const E* py = y.data<E>();
      T* out = ctx.output(0, x.dtype(), shape).template data<T>();
      parallel_for_each_broadcast<2>(shape, strides, [&](int64_t o, const std::array<int64_t, 2>& off) {
        out[o] = static_cast<T>(std::pow(static_cast<double>(px[off[0]]), static_cast<double>(py[off[1]])));
      });
    });
  });
}

}  // namespace storefuse::infer
