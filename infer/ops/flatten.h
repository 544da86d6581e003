#pragma once

#include "op.h"

namespace storefuse::infer {

class Flatten final : public Op {
 public:
  explicit Flatten(const Node& node) : axis_(node.attr_int("axis", 1)) {}
  void run(OpContext& ctx) const override;

 private:
  int64_t axis_;
};

}  // namespace storefuse::infer
