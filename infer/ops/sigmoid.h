#pragma once

#include "op.h"

namespace storefuse::infer {

class Sigmoid final : public Op {
 public:
  explicit Sigmoid(const Node&) {}
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
