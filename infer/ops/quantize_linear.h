#pragma once

#include "op.h"

namespace storefuse::infer {

// y = saturate(round_half_even(x / scale) + zero_point), to uint8 or int8.
class QuantizeLinear final : public Op {
 public:
  explicit QuantizeLinear(const Node& node) : axis_(node.attr_int("axis", 1)) {}
  void run(OpContext& ctx) const override;

 private:
  int64_t axis_;
};

}  // namespace storefuse::infer
