#pragma once

#include "op.h"

namespace storefuse::infer {

// numpy matmul: 1-D operands are promoted, batch dimensions broadcast.
// A constant 2-D B (weights) is transposed once at load for the fast kernel.
class MatMul final : public Op {
 public:
  explicit MatMul(const Node& node);
  void run(OpContext& ctx) const override;

 private:
  Tensor weights_t_;  // a constant 2-D B, prepacked as [N, K]
};

}  // namespace storefuse::infer
