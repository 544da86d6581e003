#pragma once

#include "op.h"

namespace storefuse::infer {

// Normalises over dims [axis, rank); optional Mean and InvStdDev outputs.
class LayerNormalization final : public Op {
 public:
  explicit LayerNormalization(const Node& node)
      : axis_(node.attr_int("axis", -1)), epsilon_(node.attr_float("epsilon", 1e-5f)) {}
  void run(OpContext& ctx) const override;

 private:
  int64_t axis_;
  float epsilon_;
};

}  // namespace storefuse::infer
