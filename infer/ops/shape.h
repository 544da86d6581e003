#pragma once

#include "op.h"

namespace storefuse::infer {

class ShapeOp final : public Op {
 public:
  explicit ShapeOp(const Node& node)
      : start_(node.attr_int("start", 0)), end_(node.attr_int("end", INT64_MAX)) {}
  void run(OpContext& ctx) const override;

 private:
  int64_t start_, end_;
};

}  // namespace storefuse::infer
