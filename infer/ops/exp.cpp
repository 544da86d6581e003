#include "exp.h"

#include <cmath>

#include "elementwise.h"

namespace storefuse::infer {

// Overflows to +Inf above about 88.7, as float32 must.
void Exp::run(OpContext& ctx) const {
  run_unary<float>(ctx, [](float x) { return std::exp(x); });
}

}  // namespace storefuse::infer
