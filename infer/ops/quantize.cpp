#include "quantize.h"

#include "shape_util.h"

namespace storefuse::infer {

QuantAxis quant_axis(const OpContext& ctx, int64_t axis) {
  const Tensor& x = ctx.input(0);
  const Tensor& scale = ctx.input(1);
  if (ctx.has_input(2) && ctx.input(2).numel() != scale.numel())
    throw ctx.node.error(ErrorKind::Data, "scale and zero point differ in size");
  if (scale.numel() == 1 && scale.rank() <= 1) return {};
  if (scale.rank() != 1) throw ctx.node.error(ErrorKind::Data, "scale must be a scalar or 1-D");
  const int a = normalize_axis(axis, x.rank(), ctx.node);
  if (scale.numel() != x.dim(a))
    throw ctx.node.error(ErrorKind::Data, "per-axis scale has " + std::to_string(scale.numel()) +
                                              " values for axis size " + std::to_string(x.dim(a)));
  return {x.dim(a), span(x.shape(), a + 1, x.rank())};
}

}  // namespace storefuse::infer
