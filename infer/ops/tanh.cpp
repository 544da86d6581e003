#include "tanh.h"

#include <cmath>

#include "elementwise.h"

namespace storefuse::infer {

void Tanh::run(OpContext& ctx) const {
  run_unary<float>(ctx, [](float x) { return std::tanh(x); });
}

}  // namespace storefuse::infer
