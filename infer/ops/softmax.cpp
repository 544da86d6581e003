#include "softmax.h"

#include <algorithm>
#include <cmath>

#include "dispatch.h"
#include "shape_util.h"

namespace storefuse::infer {

void Softmax::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  if (x.dtype() != DType::Float32) throw unsupported_dtype(ctx.node, x.dtype());
  const int axis = normalize_axis(axis_, x.rank(), ctx.node);
  // Softmax over n elements spaced `inner` apart, for outer * inner groups.
  const int64_t outer = span(x.shape(), 0, axis);
  const int64_t n = flatten_ ? span(x.shape(), axis, x.rank()) : x.shape()[axis];
  const int64_t inner = flatten_ ? 1 : span(x.shape(), axis + 1, x.rank());
  const float* in = x.data<float>();
  float* out = ctx.output(0, DType::Float32, x.shape()).data<float>();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* src = in + o * n * inner + i;
      float* dst = out + o * n * inner + i;
      float max = -INFINITY;
      for (int64_t k = 0; k < n; ++k) max = std::max(max, src[k * inner]);
      float sum = 0;
      for (int64_t k = 0; k < n; ++k) sum += dst[k * inner] = std::exp(src[k * inner] - max);
      for (int64_t k = 0; k < n; ++k) dst[k * inner] /= sum;
    }
  }
}

}  // namespace storefuse::infer
