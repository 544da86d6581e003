#include "layer_normalization.h"

#include <cmath>

#include "broadcast.h"
#include "dispatch.h"
#include "strided.h"

namespace storefuse::infer {

namespace {

// Scale or bias broadcast to the normalised shape, as one dense row.
Tensor expand_to(const Tensor& t, const Shape& shape, const Node& node) {
  if (broadcast_shape(t.shape(), shape, node) != shape)
    throw node.error(ErrorKind::Data, "shape " + to_string(t.shape()) + " does not broadcast to " + to_string(shape));
  Tensor out(DType::Float32, shape);
  copy_strided(t, out, broadcast_strides(t.shape(), shape));
  return out;
}

}  // namespace

void LayerNormalization::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  for (int i = 0; i < 3; ++i) {
    if (ctx.has_input(i) && ctx.input(i).dtype() != DType::Float32)
      throw unsupported_dtype(ctx.node, ctx.input(i).dtype());
  }
  const int axis = normalize_axis(axis_, x.rank(), ctx.node);
  const Shape normalised(x.shape().begin() + axis, x.shape().end());
  const int64_t rows = span(x.shape(), 0, axis), n = numel(normalised);
  Tensor scale = expand_to(ctx.input(1), normalised, ctx.node);
  Tensor bias = ctx.has_input(2) ? expand_to(ctx.input(2), normalised, ctx.node) : Tensor(DType::Float32, normalised);

  Shape stats_shape = x.shape();
  for (int d = axis; d < x.rank(); ++d) stats_shape[d] = 1;
  const float* in = x.data<float>();
  float* out = ctx.output(0, DType::Float32, x.shape()).data<float>();
  float* mean_out = ctx.wants_output(1) ? ctx.output(1, DType::Float32, stats_shape).data<float>() : nullptr;
  float* inv_out = ctx.wants_output(2) ? ctx.output(2, DType::Float32, stats_shape).data<float>() : nullptr;
  const float *s = scale.data<float>(), *b = bias.data<float>();
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = in + r * n;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < n; ++i) mean += row[i];
    mean /= static_cast<double>(n);
    for (int64_t i = 0; i < n; ++i) var += (row[i] - mean) * (row[i] - mean);
    var /= static_cast<double>(n);
    const float inv = static_cast<float>(1.0 / std::sqrt(var + epsilon_));
    for (int64_t i = 0; i < n; ++i) out[r * n + i] = (row[i] - static_cast<float>(mean)) * inv * s[i] + b[i];
    if (mean_out) mean_out[r] = static_cast<float>(mean);
    if (inv_out) inv_out[r] = inv;
  }
}

}  // namespace storefuse::infer
