#pragma once

#include "op.h"

namespace storefuse::infer {

// Y = alpha * op(A) * op(B) + beta * C, with C broadcast to Y's shape;
// then Relu when the optimiser fused one in.
class Gemm final : public Op {
 public:
  explicit Gemm(const Node& node);
  void run(OpContext& ctx) const override;

 private:
  float alpha_, beta_;
  bool trans_a_, trans_b_, relu_;
};

}  // namespace storefuse::infer
