#include "storefuse/train/optimizer.h"

#include <ATen/Parallel.h>
#include <algorithm>
#include <cmath>

namespace storefuse::train {
namespace {

constexpr int64_t kGrain = 1 << 16;

struct AdamStep {
  float scale, b1, b2, step_size, inv_sqrt_bc2, eps, l2, decay;
  void operator()(float* p, const float* g, float* m, float* v, int64_t n) const {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      const float grad = g[i] * scale + l2 * p[i];
      m[i] = m[i] * b1 + (1.0f - b1) * grad;
      v[i] = v[i] * b2 + (1.0f - b2) * grad * grad;
      p[i] = p[i] * decay - step_size * m[i] / (std::sqrt(v[i]) * inv_sqrt_bc2 + eps);
    }
  }
};

struct SgdStep {
  float scale, lr, l2, momentum;
  bool nesterov, first;
  void operator()(float* p, const float* g, float* buf, int64_t n) const {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      const float grad = g[i] * scale + l2 * p[i];
      float d = grad;
      if (momentum != 0.0f) {
        buf[i] = first ? grad : buf[i] * momentum + grad;
        d = nesterov ? grad + momentum * buf[i] : buf[i];
      }
      p[i] -= lr * d;
    }
  }
};

template <class F>
void for_chunks(int64_t n, const F& f) {
  at::parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) { f(begin, end - begin); });
}

}  // namespace

Optimizer::Optimizer(std::vector<torch::Tensor> params, OptimizerOptions options)
    : params_(std::move(params)), options_(options), steps_(params_.size(), 0) {
  for (const auto& p : params_) {
    TORCH_CHECK(p.is_contiguous() && p.scalar_type() == torch::kFloat32,
                "Optimizer: parameters must be contiguous float32");
    exp_avg_.push_back(torch::zeros_like(p));
    exp_avg_sq_.push_back(options_.kind == OptimizerKind::Sgd ? torch::Tensor()
                                                              : torch::zeros_like(p));
  }
}

void Optimizer::zero_grad() {
  for (auto& p : params_) p.mutable_grad() = torch::Tensor();
}

double Optimizer::grad_norm() const {
  // Float sums over fixed blocks, added in order in double: the same result
  // for any thread count.
  constexpr int64_t kBlock = 4096;
  double total = 0.0;
  std::vector<double> sums;
  for (const auto& p : params_) {
    if (!p.grad().defined()) continue;
    const auto grad = p.grad().contiguous();
    const float* g = grad.data_ptr<float>();
    const int64_t n = grad.numel(), blocks = (n + kBlock - 1) / kBlock;
    sums.assign(blocks, 0.0);
    at::parallel_for(0, blocks, 16, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t end = std::min(n, (b + 1) * kBlock);
        float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
        for (int64_t i = b * kBlock; i < end; ++i) acc += g[i] * g[i];
        sums[b] = acc;
      }
    });
    for (double s : sums) total += s;
  }
  return std::sqrt(total);
}

void Optimizer::step(double grad_scale) {
  torch::NoGradGuard no_grad;
  const auto& o = options_;
  for (size_t k = 0; k < params_.size(); ++k) {
    auto& p = params_[k];
    if (!p.grad().defined()) continue;
    const auto grad = p.grad().contiguous();
    const int64_t step = ++steps_[k];
    float* pd = p.data_ptr<float>();
    const float* gd = grad.data_ptr<float>();
    float* m = exp_avg_[k].data_ptr<float>();
    if (o.kind == OptimizerKind::Sgd) {
      SgdStep f{float(grad_scale), float(o.lr), float(o.weight_decay), float(o.momentum),
                o.nesterov, step == 1};
      for_chunks(p.numel(), [&](int64_t i, int64_t n) { f(pd + i, gd + i, m + i, n); });
      continue;
    }
    const bool decoupled = o.kind == OptimizerKind::AdamW;
    const double bc1 = 1.0 - std::pow(o.beta1, step), bc2 = 1.0 - std::pow(o.beta2, step);
    AdamStep f{float(grad_scale), float(o.beta1), float(o.beta2), float(o.lr / bc1),
               float(1.0 / std::sqrt(bc2)), float(o.eps),
               decoupled ? 0.0f : float(o.weight_decay),
               decoupled ? float(1.0 - o.lr * o.weight_decay) : 1.0f};
    float* v = exp_avg_sq_[k].data_ptr<float>();
    for_chunks(p.numel(), [&](int64_t i, int64_t n) { f(pd + i, gd + i, m + i, v + i, n); });
  }
}

void Optimizer::save(torch::serialize::OutputArchive& archive) const {
  archive.write("steps", torch::tensor(steps_, torch::kInt64));
  for (size_t k = 0; k < params_.size(); ++k) {
    archive.write("exp_avg." + std::to_string(k), exp_avg_[k]);
    if (exp_avg_sq_[k].defined()) archive.write("exp_avg_sq." + std::to_string(k), exp_avg_sq_[k]);
  }
}

void Optimizer::load(torch::serialize::InputArchive& archive) {
  torch::Tensor steps;
  archive.read("steps", steps);
  TORCH_CHECK(steps.numel() == static_cast<int64_t>(params_.size()),
              "optimizer state holds ", steps.numel(), " parameters, the model has ",
              params_.size());
  for (size_t k = 0; k < params_.size(); ++k) {
    steps_[k] = steps[k].item<int64_t>();
    torch::NoGradGuard no_grad;
    torch::Tensor t;
    archive.read("exp_avg." + std::to_string(k), t);
    exp_avg_[k].copy_(t);
    if (exp_avg_sq_[k].defined()) {
      archive.read("exp_avg_sq." + std::to_string(k), t);
      exp_avg_sq_[k].copy_(t);
    }
  }
}

double clip_scale(double grad_norm, double max_norm) {
  if (max_norm <= 0.0) return 1.0;
  const double coef = max_norm / (grad_norm + 1e-6);
  return coef < 1.0 ? coef : 1.0;
}

}  // namespace storefuse::train
