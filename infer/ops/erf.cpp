#include "erf.h"

#include <cmath>

#include "elementwise.h"

namespace storefuse::infer {

void Erf::run(OpContext& ctx) const {
  run_unary<float>(ctx, [](float x) { return std::erf(x); });
}

}  // namespace storefuse::infer
