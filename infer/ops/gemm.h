#pragma once

#include "op.h"
#include "packed_weights.h"

namespace storefuse::infer {

// Y = alpha * op(A) * op(B) + beta * C, with C broadcast to Y's shape;
// then Relu when the optimiser fused one in. A constant B is packed once at
// load (PackedWeights: float32, or float16 / int8 where the optimiser traced
// it to such storage) and never read again.
class Gemm final : public Op {
 public:
  explicit Gemm(const Node& node);
  void run(OpContext& ctx) const override;
  std::vector<size_t> packed_inputs() const override;
  void held_storage(std::map<const void*, size_t>& storage) const override { weights_.held_storage(storage); }
  const char* packed_format() const override { return weights_.defined() ? to_string(weights_.format()) : nullptr; }

 private:
  float alpha_, beta_;
  bool trans_a_, trans_b_, relu_;
  PackedWeights weights_;  // a constant B as [N, K]
};

}  // namespace storefuse::infer
