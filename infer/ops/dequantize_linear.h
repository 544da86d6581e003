#pragma once

#include "op.h"

namespace storefuse::infer {

// y = (x - zero_point) * scale, from uint8, int8 or int32 to float32.
class DequantizeLinear final : public Op {
 public:
  explicit DequantizeLinear(const Node& node) : axis_(node.attr_int("axis", 1)) {}
  void run(OpContext& ctx) const override;

 private:
  int64_t axis_;
};

}  // namespace storefuse::infer
