#include "op.h"

namespace storefuse::infer {

const Tensor& OpContext::input(size_t i) const {
  if (!has_input(i))
    throw node.error(ErrorKind::Model, "required input " + std::to_string(i) + " is missing");
  return *inputs_[i];
}

Tensor& OpContext::output(size_t i, DType dtype, Shape shape) {
  outputs_.at(i) = allocator_ ? allocator_->allocate(node, i, dtype, std::move(shape))
                              : Tensor(dtype, std::move(shape));
  return outputs_[i];
}

void OpContext::set_output(size_t i, Tensor tensor) { outputs_.at(i) = std::move(tensor); }

}  // namespace storefuse::infer
