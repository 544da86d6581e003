#include "transpose.h"

#include "strided.h"

namespace storefuse::infer {

void Transpose::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  std::vector<int64_t> perm = perm_;
  if (perm.empty()) {
    for (int d = x.rank() - 1; d >= 0; --d) perm.push_back(d);
  }
  if (static_cast<int>(perm.size()) != x.rank())
    throw ctx.node.error(ErrorKind::Model, "perm has " + std::to_string(perm.size()) +
                                               " entries for an input of rank " + std::to_string(x.rank()));
  std::vector<int> axes = normalize_axes(perm, x.rank(), ctx.node);
  std::vector<int64_t> in_strides = strides_of(x.shape()), strides;
  Shape shape;
  for (int a : axes) {
    shape.push_back(x.shape()[a]);
    strides.push_back(in_strides[a]);
  }
  Tensor& out = ctx.output(0, x.dtype(), shape);
  copy_strided(x, out, strides);
}

}  // namespace storefuse::infer
