#pragma once

#include "op.h"

namespace storefuse::infer {

class Reshape final : public Op {
 public:
  // A shape known at load that no input can meet (two -1s, a negative
  // size, more elements than any tensor holds) is an Error(Model) here.
  explicit Reshape(const Node& node);
  void run(OpContext& ctx) const override;

 private:
  bool allow_zero_;
};

}  // namespace storefuse::infer
