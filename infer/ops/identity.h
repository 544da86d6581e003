#pragma once

#include "op.h"

namespace storefuse::infer {

class Identity final : public Op {
 public:
  explicit Identity(const Node&) {}
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
