#include "softmax.h"

#include <algorithm>
#include <cmath>

#include "dispatch.h"
#include "parallel.h"
#include "shape_util.h"

namespace storefuse::infer {

void Softmax::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  if (x.dtype() != DType::Float32) throw unsupported_dtype(ctx.node, x.dtype());
  const int axis = normalize_axis(axis_, x.rank(), ctx.node);
  const int64_t outer = span(x.shape(), 0, axis);
  const int64_t n = flatten_ ? span(x.shape(), axis, x.rank()) : x.shape()[axis];
  const int64_t inner = flatten_ ? 1 : span(x.shape(), axis + 1, x.rank());
  const float* in = x.data<float>();
  float* out = ctx.output(0, DType::Float32, x.shape()).data<float>();
  // One group per (outer, inner) pair: n elements spaced `inner` apart.
  parallel_range(outer * inner, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(n, 1)),
                 [&](int64_t begin, int64_t end) {
                   for (int64_t group = begin; group < end; ++group) {
                     const int64_t base = (group / inner) * n * inner + group % inner;
                     const float* src = in + base;
                     float* dst = out + base;
                     float max = -INFINITY;
                     for (int64_t k = 0; k < n; ++k) max = std::max(max, src[k * inner]);
                     float sum = 0;
                     for (int64_t k = 0; k < n; ++k) sum += dst[k * inner] = std::exp(src[k * inner] - max);
                     for (int64_t k = 0; k < n; ++k) dst[k * inner] /= sum;
                   }
                 });
}

}  // namespace storefuse::infer
