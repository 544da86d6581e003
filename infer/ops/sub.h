#pragma once

#include "op.h"

namespace storefuse::infer {

class Sub final : public Op {
 public:
  explicit Sub(const Node&) {}
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
