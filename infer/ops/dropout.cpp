#include "dropout.h"

#include <algorithm>

namespace storefuse::infer {

namespace {

Error training_unsupported(const Node& node) {
  return node.error(ErrorKind::Unsupported, "training-mode dropout is not supported",
                    "export the model in eval mode");
}

}  // namespace

Dropout::Dropout(const Node& node) {
  if (node.opset < 7 && node.attr_int("is_test", 0) == 0) throw training_unsupported(node);
}

void Dropout::run(OpContext& ctx) const {
  if (ctx.has_input(2)) {
    const Tensor& training = ctx.input(2);
    if (training.dtype() != DType::Bool || training.numel() != 1)
      throw ctx.node.error(ErrorKind::Model, "training_mode must be a bool scalar");
    if (training.data<bool>()[0]) throw training_unsupported(ctx.node);
  }
  const Tensor& x = ctx.input(0);
  ctx.set_output(0, x);
  if (ctx.wants_output(1)) {
    Tensor& mask = ctx.output(1, DType::Bool, x.shape());
    std::fill_n(mask.data<bool>(), mask.numel(), true);
  }
}

}  // namespace storefuse::infer
