#pragma once

#include "op.h"

namespace storefuse::infer {

// Base and exponent may have different types; the result has the base's.
class Pow final : public Op {
 public:
  explicit Pow(const Node&) {}
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
