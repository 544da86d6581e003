#pragma once

#include "op.h"

namespace storefuse::infer {

class Relu final : public Op {
 public:
  explicit Relu(const Node&) {}
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
