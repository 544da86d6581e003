#pragma once

#include "op.h"
#include "packed_weights.h"

namespace storefuse::infer {

// numpy matmul: 1-D operands are promoted, batch dimensions broadcast.
// A constant 2-D B (weights) is packed once at load (PackedWeights) and never
// read again. A third input is a bias [N] the optimiser fused in (MatMul ->
// Add), added in the GEMM's epilogue.
class MatMul final : public Op {
 public:
  explicit MatMul(const Node& node);
  void run(OpContext& ctx) const override;
  std::vector<size_t> packed_inputs() const override;
  void held_storage(std::map<const void*, size_t>& storage) const override { weights_.held_storage(storage); }
  const char* packed_format() const override { return weights_.defined() ? to_string(weights_.format()) : nullptr; }

 private:
  PackedWeights weights_;  // a constant 2-D B as [N, K]
};

}  // namespace storefuse::infer
