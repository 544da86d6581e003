#pragma once

#include "op.h"
#include "window.h"

namespace storefuse::infer {

class AveragePool final : public Op {
 public:
  explicit AveragePool(const Node& node)
      : window_(node, true), count_include_pad_(node.attr_int("count_include_pad", 0) != 0) {}
  void run(OpContext& ctx) const override;

 private:
  WindowAttributes window_;
  bool count_include_pad_;
};

}  // namespace storefuse::infer
