#pragma once

#include "op.h"
#include "window.h"

namespace storefuse::infer {

// Convolution over 1, 2 or 3 spatial dims with groups, strides, dilations,
// pads and auto_pad. Fast: im2col + GEMM per group; reference: direct loops.
class Conv final : public Op {
 public:
  explicit Conv(const Node& node);
  void run(OpContext& ctx) const override;

 private:
  WindowAttributes window_;
  int64_t group_;
};

}  // namespace storefuse::infer
