#include "average_pool.h"

#include "dispatch.h"
#include "pool.h"

namespace storefuse::infer {

void AveragePool::run(OpContext& ctx) const {
  if (ctx.input(0).dtype() != DType::Float32) throw unsupported_dtype(ctx.node, ctx.input(0).dtype());
  run_pool<float>(ctx, window_, [&](const int64_t* taps, int64_t count, const float* plane) {
    float sum = 0;
    int64_t n = 0;
    for (int64_t k = 0; k < count; ++k) {
      if (taps[k] >= 0) {
        sum += plane[taps[k]];
        ++n;
      } else if (taps[k] == kInPadding && count_include_pad_) {
        ++n;  // padding counts as a zero
      }
    }
    return n ? sum / static_cast<float>(n) : 0.0f;
  });
}

}  // namespace storefuse::infer
