#pragma once

#include "op.h"

namespace storefuse::infer {

class Equal final : public Op {
 public:
  explicit Equal(const Node&) {}
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
