#include "sqrt.h"

#include <cmath>

#include "elementwise.h"

namespace storefuse::infer {

void Sqrt::run(OpContext& ctx) const {
  run_unary<float>(ctx, [](float x) { return std::sqrt(x); });
}

}  // namespace storefuse::infer
