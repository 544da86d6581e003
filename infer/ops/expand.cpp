#include "expand.h"

#include "broadcast.h"
#include "strided.h"

namespace storefuse::infer {

void Expand::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  Shape shape = broadcast_shape(x.shape(), read_int_list(ctx.input(1), ctx.node), ctx.node);
  Tensor& out = ctx.output(0, x.dtype(), shape);
  copy_strided(x, out, broadcast_strides(x.shape(), shape));
}

}  // namespace storefuse::infer
