#include "constant.h"

namespace storefuse::infer {

Constant::Constant(const Node& node) {
  if (node.has("value")) {
    value_ = node.attr_tensor("value");
  } else if (node.has("value_float")) {
    value_ = Tensor::from_vector<float>({}, {node.attr_float("value_float", 0)});
  } else if (node.has("value_floats")) {
    std::vector<float> v = node.attr_floats("value_floats");
    value_ = Tensor::from_vector<float>({static_cast<int64_t>(v.size())}, v);
  } else if (node.has("value_int")) {
    value_ = Tensor::from_vector<int64_t>({}, {node.attr_int("value_int", 0)});
  } else if (node.has("value_ints")) {
    std::vector<int64_t> v = node.attr_ints("value_ints");
    value_ = Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v);
  } else {
    throw node.error(ErrorKind::Unsupported, "only tensor, float(s) and int(s) values are supported",
                     "sparse and string constants are not handled by this runtime");
  }
}

void Constant::run(OpContext& ctx) const { ctx.set_output(0, value_); }

}  // namespace storefuse::infer
