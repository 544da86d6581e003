#pragma once

#include "op.h"

namespace storefuse::infer {

// Axes come from the attribute (opsets up to 17); none means all.
class ReduceMean final : public Op {
 public:
  explicit ReduceMean(const Node& node)
      : axes_(node.attr_ints("axes")), keep_dims_(node.attr_int("keepdims", 1) != 0) {}
  void run(OpContext& ctx) const override;

 private:
  std::vector<int64_t> axes_;
  bool keep_dims_;
};

}  // namespace storefuse::infer
