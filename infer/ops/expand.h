#pragma once

#include "op.h"

namespace storefuse::infer {

class Expand final : public Op {
 public:
  explicit Expand(const Node&) {}
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
