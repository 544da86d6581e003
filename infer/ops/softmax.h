#pragma once

#include "op.h"

namespace storefuse::infer {

// From opset 13 along one axis; before, over the flattened axis.. dimensions.
class Softmax final : public Op {
 public:
  explicit Softmax(const Node& node)
      : axis_(node.attr_int("axis", node.opset >= 13 ? -1 : 1)), flatten_(node.opset < 13) {}
  void run(OpContext& ctx) const override;

 private:
  int64_t axis_;
  bool flatten_;
};

}  // namespace storefuse::infer
