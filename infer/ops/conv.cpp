#include "conv.h"

#include "dispatch.h"
#include "sgemm.h"

namespace storefuse::infer {

Conv::Conv(const Node& node) : window_(node, false), group_(node.attr_int("group", 1)) {
  if (group_ < 1) throw node.error(ErrorKind::Model, "group must be positive");
}

void Conv::run(OpContext& ctx) const {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  for (int i = 0; i < 3; ++i) {
    if (ctx.has_input(i) && ctx.input(i).dtype() != DType::Float32)
      throw unsupported_dtype(ctx.node, ctx.input(i).dtype());
  }
  if (x.rank() < 3 || x.rank() > 5 || w.rank() != x.rank())
    throw ctx.node.error(ErrorKind::Data, "expected [N, C, spatial...] input and weights of the same rank "
                                          "(1 to 3 spatial dims), got " + to_string(x.shape()) + " and " +
                                              to_string(w.shape()));
  const int64_t batch = x.dim(0), channels = x.dim(1), maps = w.dim(0);
  const int64_t group_channels = channels / group_, group_maps = maps / group_;
  if (channels % group_ || maps % group_ || w.dim(1) != group_channels)
    throw ctx.node.error(ErrorKind::Data, "weights " + to_string(w.shape()) + " do not fit input " +
                                              to_string(x.shape()) + " with group " + std::to_string(group_));
  Shape kernel(w.shape().begin() + 2, w.shape().end());
  if (!window_.kernel_shape.empty() && window_.kernel_shape != kernel)
    throw ctx.node.error(ErrorKind::Data, "kernel_shape does not match the weights");
  const Window win(window_, Shape(x.shape().begin() + 2, x.shape().end()), kernel, ctx.node);
  if (ctx.has_input(2) && ctx.input(2).numel() != maps)
    throw ctx.node.error(ErrorKind::Data, "bias must have " + std::to_string(maps) + " values");

  Shape shape{batch, maps};
  shape.insert(shape.end(), win.out.begin(), win.out.end());
  float* y = ctx.output(0, DType::Float32, shape).data<float>();
  const float* px = x.data<float>();
  const float* pw = w.data<float>();
  const float* bias = ctx.has_input(2) ? ctx.input(2).data<float>() : nullptr;
  const int64_t patch = group_channels * win.kernel_size;  // one column of im2col

  for (int64_t m = 0; m < batch * maps; ++m) {
    const float b = bias ? bias[m % maps] : 0.0f;
    std::fill_n(y + m * win.out_size, win.out_size, b);
  }
  if (ctx.reference()) {
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t m = 0; m < maps; ++m) {
        const int64_t g = m / group_maps;
        float* out = y + (n * maps + m) * win.out_size;
        for (int64_t o = 0; o < win.out_size; ++o) {
          const int64_t* taps = &win.table[o * win.kernel_size];
          for (int64_t c = 0; c < group_channels; ++c) {
            const float* plane = px + (n * channels + g * group_channels + c) * win.in_size;
            const float* wk = pw + (m * group_channels + c) * win.kernel_size;
            for (int64_t k = 0; k < win.kernel_size; ++k) {
              if (taps[k] >= 0) out[o] += wk[k] * plane[taps[k]];
            }
          }
        }
      }
    return;
  }
  // im2col: columns[c * kernel + k][o] = input at tap k of position o; then
  // Y_g[maps/g, out] += W_g[maps/g, patch] * columns[patch, out].
  std::vector<float> columns(static_cast<size_t>(patch * win.out_size));
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t g = 0; g < group_; ++g) {
      for (int64_t c = 0; c < group_channels; ++c) {
        const float* plane = px + (n * channels + g * group_channels + c) * win.in_size;
        for (int64_t k = 0; k < win.kernel_size; ++k) {
          float* row = &columns[(c * win.kernel_size + k) * win.out_size];
          for (int64_t o = 0; o < win.out_size; ++o) {
            const int64_t tap = win.table[o * win.kernel_size + k];
            row[o] = tap >= 0 ? plane[tap] : 0.0f;
          }
        }
      }
      sgemm_fast(dense_gemm(false, false, group_maps, win.out_size, patch), 1.0f, pw + g * group_maps * patch,
                 columns.data(), 1.0f, y + (n * maps + g * group_maps) * win.out_size);
    }
}

}  // namespace storefuse::infer
