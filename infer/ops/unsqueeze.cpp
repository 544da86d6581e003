#include "unsqueeze.h"

#include "shape_util.h"

namespace storefuse::infer {

void Unsqueeze::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  std::vector<int64_t> axes = ctx.has_input(1) ? read_int_list(ctx.input(1), ctx.node) : axes_;
  int rank = x.rank() + static_cast<int>(axes.size());
  std::vector<bool> inserted(rank, false);
  for (int a : normalize_axes(axes, rank, ctx.node)) inserted[a] = true;
  Shape shape;
  size_t next = 0;
  for (int d = 0; d < rank; ++d) shape.push_back(inserted[d] ? 1 : x.shape()[next++]);
  ctx.set_output(0, x.view(shape));
}

}  // namespace storefuse::infer
