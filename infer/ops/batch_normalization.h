#pragma once

#include "op.h"

namespace storefuse::infer {

// Inference form: Y = (X - mean) / sqrt(var + epsilon) * scale + B, per channel.
class BatchNormalization final : public Op {
 public:
  explicit BatchNormalization(const Node& node);
  void run(OpContext& ctx) const override;

 private:
  float epsilon_;
};

}  // namespace storefuse::infer
