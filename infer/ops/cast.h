#pragma once

#include "op.h"

namespace storefuse::infer {

class Cast final : public Op {
 public:
  explicit Cast(const Node& node);
  void run(OpContext& ctx) const override;

 private:
  DType to_;
};

}  // namespace storefuse::infer
