#pragma once

#include "op.h"

namespace storefuse::infer {

class Gather final : public Op {
 public:
  explicit Gather(const Node& node) : axis_(node.attr_int("axis", 0)) {}
  void run(OpContext& ctx) const override;

 private:
  int64_t axis_;
};

}  // namespace storefuse::infer
