#pragma once

#include "op.h"

namespace storefuse::infer {

class Mul final : public Op {
 public:
  explicit Mul(const Node&) {}
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
