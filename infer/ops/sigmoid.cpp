#include "sigmoid.h"

#include <cmath>

#include "elementwise.h"

namespace storefuse::infer {

// Written so that neither branch overflows exp().
void Sigmoid::run(OpContext& ctx) const {
  run_unary<float>(ctx, [](float x) {
    if (x >= 0) return 1.0f / (1.0f + std::exp(-x));
    float e = std::exp(x);
    return e / (1.0f + e);
  });
}

}  // namespace storefuse::infer
