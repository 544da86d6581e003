#pragma once

#include "op.h"

namespace storefuse::infer {

// numpy matmul: 1-D operands are promoted, batch dimensions broadcast.
class MatMul final : public Op {
 public:
  explicit MatMul(const Node&) {}
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
