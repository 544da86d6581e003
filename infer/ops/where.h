#pragma once

#include "op.h"

namespace storefuse::infer {

class Where final : public Op {
 public:
  explicit Where(const Node&) {}
  void run(OpContext& ctx) const override;
};

}  // namespace storefuse::infer
