#pragma once

#include "op.h"

namespace storefuse::infer {

class Reshape final : public Op {
 public:
  explicit Reshape(const Node& node) : allow_zero_(node.attr_int("allowzero", 0) != 0) {}
  void run(OpContext& ctx) const override;

 private:
  bool allow_zero_;
};

}  // namespace storefuse::infer
