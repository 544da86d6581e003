#pragma once

#include "op.h"

namespace storefuse::infer {

class GlobalAveragePool final : public Op {
 public:
  explicit GlobalAveragePool(const Node&) {}
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
