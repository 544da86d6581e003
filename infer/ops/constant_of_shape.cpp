#include "constant_of_shape.h"

#include <cstring>

#include "shape_util.h"

namespace storefuse::infer {

ConstantOfShape::ConstantOfShape(const Node& node)
    : value_(node.has("value") ? node.attr_tensor("value") : Tensor::from_vector<float>({1}, {0.0f})) {
  if (value_.numel() != 1) throw node.error(ErrorKind::Model, "value must hold exactly one element");
}

void ConstantOfShape::run(OpContext& ctx) const {
  Shape shape = read_int_list(ctx.input(0), ctx.node);
  Tensor& out = ctx.output(0, value_.dtype(), shape);
  const size_t element = dtype_size(value_.dtype());
  auto* dst = static_cast<uint8_t*>(out.raw());
  for (int64_t i = 0, n = out.numel(); i < n; ++i) std::memcpy(dst + i * element, value_.raw(), element);
}

}  // namespace storefuse::infer
