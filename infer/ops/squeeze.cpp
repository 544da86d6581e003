#include "squeeze.h"

#include "shape_util.h"

namespace storefuse::infer {

void Squeeze::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  std::vector<int64_t> axes = ctx.has_input(1) ? read_int_list(ctx.input(1), ctx.node) : axes_;
  std::vector<bool> removed(x.rank(), false);
  if (axes.empty()) {
    for (int d = 0; d < x.rank(); ++d) removed[d] = x.shape()[d] == 1;
  }
  for (int a : normalize_axes(axes, x.rank(), ctx.node)) {
    if (x.shape()[a] != 1)
      throw ctx.node.error(ErrorKind::Data, "cannot squeeze axis " + std::to_string(a) + " of shape " +
                                                to_string(x.shape()));
    removed[a] = true;
  }
  Shape shape;
  for (int d = 0; d < x.rank(); ++d) {
    if (!removed[d]) shape.push_back(x.shape()[d]);
  }
  ctx.set_output(0, x.view(shape));
}

}  // namespace storefuse::infer
