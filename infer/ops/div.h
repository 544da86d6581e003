#pragma once

#include "op.h"

namespace storefuse::infer {

class Div final : public Op {
 public:
  explicit Div(const Node&) {}
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
