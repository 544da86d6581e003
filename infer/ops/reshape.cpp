#include "reshape.h"

#include <limits>

#include "shape_util.h"

namespace storefuse::infer {

Reshape::Reshape(const Node& node) : allow_zero_(node.attr_int("allowzero", 0) != 0) {
  if (node.constants.size() < 2 || !node.constants[1].defined()) return;
  const Shape shape = read_int_list(node.constants[1], node);
  int64_t fixed = 1;  // the elements of the sizes given (neither -1 nor a 0 that copies)
  int inferred = 0;
  for (int64_t d : shape) {
    if (d == -1) {
      ++inferred;
    } else if (d < 0) {
      throw node.error(ErrorKind::Model, "the target shape " + to_string(shape) + " has a negative size");
    } else if (d > 0 || allow_zero_) {
      if (__builtin_mul_overflow(fixed, d, &fixed)) fixed = std::numeric_limits<int64_t>::max();
    }
  }
  if (inferred > 1) throw node.error(ErrorKind::Model, "the target shape " + to_string(shape) + " has more than one -1");
  if (fixed >= kMaxTensorBytes) {
    throw node.error(ErrorKind::Model,
                     "the target shape " + to_string(shape) + " has " +
                         (fixed == std::numeric_limits<int64_t>::max() ? "more than 2^63" : std::to_string(fixed)) +
                         " elements: no tensor this runtime holds is that large (under 1 TiB)",
                     "check the exporter's shape arithmetic");
  }
}

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
