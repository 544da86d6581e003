
#include "storefuse/train/kernel_threads.h"
#include "storefuse/train/ops.h"

namespace storefuse::train {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr int64_t kGrain = 1 << 15;

class ReluDropout : public torch::autograd::Function<ReluDropout> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x, double p) {
    const float keep_p = static_cast<float>(p), scale = static_cast<float>(1.0 / (1.0 - p));
    const uint64_t seed = draw_dropout_seed();
    float* data = x.data_ptr<float>();
    parallel_chunks(x.numel(), kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        float v = data[i];
        data[i] = (v > 0.0f && dropout_keep(seed, i, keep_p)) ? v * scale : 0.0f;
      }
    });
    ctx->mark_dirty({x});
    ctx->save_for_backward({x});
    ctx->saved_data["scale"] = static_cast<double>(scale);
    return x;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto out = ctx->get_saved_variables()[0];
    const float scale = static_cast<float>(ctx->saved_data["scale"].toDouble());
    auto grad = grads[0].contiguous();
    auto result = torch::empty_like(out);
    const float* y = out.data_ptr<float>();
    const float* g = grad.data_ptr<float>();
    float* r = result.data_ptr<float>();
    parallel_chunks(out.numel(), kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) r[i] = y[i] > 0.0f ? g[i] * scale : 0.0f;
    });
    return {result, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor relu_dropout_(torch::Tensor x, double p, bool training) {
  if (!training || p == 0.0) return x.relu_();
  TORCH_CHECK(p > 0.0 && p < 1.0, "relu_dropout_: p must be in [0, 1), got ", p);
  if (!x.is_cpu()) return torch::dropout(x.relu(), p, true);
  TORCH_CHECK(x.is_contiguous() && x.scalar_type() == torch::kFloat32,
              "relu_dropout_: expects a contiguous float32 tensor");
  return ReluDropout::apply(x, p);
}

}  // namespace storefuse::train
