#pragma once

#include "op.h"

namespace storefuse::infer {

// Y = alpha * op(A) * op(B) + beta * C, with C broadcast to Y's shape;
// then Relu when the optimiser fused one in. A constant B with transB = 0 is
// transposed once at load for the fast kernel.
class Gemm final : public Op {
 public:
  explicit Gemm(const Node& node);
  void run(OpContext& ctx) const override;

 private:
  float alpha_, beta_;
  bool trans_a_, trans_b_, relu_;
  Tensor weights_t_;  // a constant B with transB = 0, prepacked as [N, K]
};

}  // namespace storefuse::infer
