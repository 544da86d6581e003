#pragma once

#include "op.h"

namespace storefuse::infer {

// Inference only: the output is the input; the optional mask is all true.
class Dropout final : public Op {
 public:
  explicit Dropout(const Node& node);
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
