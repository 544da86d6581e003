#pragma once

#include "op.h"

namespace storefuse::infer {

class Constant final : public Op {
 public:
  explicit Constant(const Node& node);
  void run(OpContext& ctx) const override;

 private:
  Tensor value_;
};

}  // namespace storefuse::infer
