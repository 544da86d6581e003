#pragma once

#include "op.h"

namespace storefuse::infer {

class Squeeze final : public Op {
 public:
  explicit Squeeze(const Node& node) : axes_(node.attr_ints("axes")) {}
  void run(OpContext& ctx) const override;

 private:
  std::vector<int64_t> axes_;  // from the attribute, before opset 13
};

}  // namespace storefuse::infer
