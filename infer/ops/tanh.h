#pragma once

#include "op.h"

namespace storefuse::infer {

class Tanh final : public Op {
 public:
  explicit Tanh(const Node&) {}
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
