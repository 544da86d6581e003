#pragma once

#include "op.h"

namespace storefuse::infer {

class Transpose final : public Op {
 public:
  explicit Transpose(const Node& node) : perm_(node.attr_ints("perm")) {}
  void run(OpContext& ctx) const override;

 private:
  std::vector<int64_t> perm_;  // empty: reverse the dimensions
};

}  // namespace storefuse::infer
