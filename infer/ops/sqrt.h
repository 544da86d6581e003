#pragma once

#include "op.h"

namespace storefuse::infer {

class Sqrt final : public Op {
 public:
  explicit Sqrt(const Node&) {}
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
