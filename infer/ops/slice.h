#pragma once

#include "op.h"

namespace storefuse::infer {

// starts/ends/axes/steps are inputs from opset 10, attributes before.
class Slice final : public Op {
 public:
  explicit Slice(const Node& node);
  void run(OpContext& ctx) const override;

 private:
  std::vector<int64_t> starts_, ends_, axes_;
};

}  // namespace storefuse::infer
