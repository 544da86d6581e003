#pragma once

#include "op.h"
#include "window.h"

namespace storefuse::infer {

class MaxPool final : public Op {
 public:
  explicit MaxPool(const Node& node);
  void run(OpContext& ctx) const override;

 private:
  WindowAttributes window_;
};

}  // namespace storefuse::infer
