#pragma once

#include "op.h"

namespace storefuse::infer {

class ConstantOfShape final : public Op {
 public:
  explicit ConstantOfShape(const Node& node);
  void run(OpContext& ctx) const override;

 private:
  Tensor value_;  // one element
};

}  // namespace storefuse::infer
