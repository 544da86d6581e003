#include "flatten.h"

#include "shape_util.h"

namespace storefuse::infer {

void Flatten::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  // axis may equal rank: everything goes to the first dimension.
  int axis = axis_ == x.rank() ? x.rank() : normalize_axis(axis_, x.rank(), ctx.node);
  ctx.set_output(0, x.view({span(x.shape(), 0, axis), span(x.shape(), axis, x.rank())}));
}

}  // namespace storefuse::infer
