#pragma once

#include "op.h"

namespace storefuse::infer {

class Add final : public Op {
 public:
  explicit Add(const Node&) {}
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
