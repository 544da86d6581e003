#pragma once

#include "op.h"

namespace storefuse::infer {

class Concat final : public Op {
 public:
  explicit Concat(const Node& node) : axis_(node.attr_int("axis", 0)) {}
  void run(OpContext& ctx) const override;

 private:
  int64_t axis_;
};

}  // namespace storefuse::infer
