#include "batch_normalization.h"

#include <cmath>

#include "dispatch.h"
#include "shape_util.h"

namespace storefuse::infer {

BatchNormalization::BatchNormalization(const Node& node) : epsilon_(node.attr_float("epsilon", 1e-5f)) {
  if (node.attr_int("training_mode", 0) != 0 || node.has_output(1))
    throw node.error(ErrorKind::Unsupported, "training mode (running statistics outputs) is not supported",
                     "export the model in eval mode");
  if (node.attr_int("spatial", 1) != 1)
    throw node.error(ErrorKind::Unsupported, "spatial=0 is not supported");
}

void BatchNormalization::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  for (int i = 0; i < 5; ++i) {
    if (ctx.input(i).dtype() != DType::Float32) throw unsupported_dtype(ctx.node, ctx.input(i).dtype());
  }
  if (x.rank() < 2) throw ctx.node.error(ErrorKind::Data, "expected [N, C, ...], got " + to_string(x.shape()));
  const int64_t channels = x.dim(1), plane = span(x.shape(), 2, x.rank());
  for (int i = 1; i < 5; ++i) {
    if (ctx.input(i).numel() != channels)
      throw ctx.node.error(ErrorKind::Data, "input " + std::to_string(i) + " must hold one value per channel (" +
                                                std::to_string(channels) + ")");
  }
  const float *scale = ctx.input(1).data<float>(), *bias = ctx.input(2).data<float>();
  const float *mean = ctx.input(3).data<float>(), *var = ctx.input(4).data<float>();
  const float* in = x.data<float>();
  float* out = ctx.output(0, DType::Float32, x.shape()).data<float>();
  for (int64_t n = 0; n < x.dim(0); ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const float a = scale[c] / std::sqrt(var[c] + epsilon_), b = bias[c] - mean[c] * a;
      const int64_t base = (n * channels + c) * plane;
      for (int64_t i = 0; i < plane; ++i) out[base + i] = in[base + i] * a + b;
    }
}

}  // namespace storefuse::infer
