#pragma once

#include "op.h"

namespace storefuse::infer {

class Erf final : public Op {
 public:
  explicit Erf(const Node&) {}
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
