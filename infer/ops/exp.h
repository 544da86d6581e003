#pragma once

#include "op.h"

namespace storefuse::infer {

class Exp final : public Op {
 public:
  explicit Exp(const Node&) {}
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
