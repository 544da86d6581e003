#include "reshape.h"

#include "shape_util.h"

namespace storefuse::infer {

void Reshape::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  Shape shape = read_int_list(ctx.input(1), ctx.node);
  int infer_at = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allow_zero_) {
      if (i >= x.shape().size()) throw ctx.node.error(ErrorKind::Data, "0 in shape refers past the input's rank");
      shape[i] = x.shape()[i];
    }
    if (shape[i] == -1) {
      if (infer_at >= 0) throw ctx.node.error(ErrorKind::Data, "shape has more than one -1");
      infer_at = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw ctx.node.error(ErrorKind::Data, "shape " + to_string(shape) + " has a negative dimension");
    } else if (__builtin_mul_overflow(known, shape[i], &known)) {  // found by the fuzz target
      throw ctx.node.error(ErrorKind::Data, "shape " + to_string(shape) + " has more elements than int64 holds");
    }
  }
  if (infer_at >= 0) shape[infer_at] = known == 0 ? 0 : x.numel() / known;
  if (numel(shape) != x.numel())
    throw ctx.node.error(ErrorKind::Data, "cannot reshape " + to_string(x.shape()) + " to " + to_string(shape));
  ctx.set_output(0, x.view(shape));
}

}  // namespace storefuse::infer
