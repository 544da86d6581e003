#include "storefuse/train/optimizer.h"

#include <algorithm>
#include <cmath>

#include "storefuse/train/kernel_threads.h"

namespace storefuse::train {
namespace {

constexpr int64_t kGrain = 1 << 16;

struct AdamStep {
  float scale, b1, b2, step_size, inv_sqrt_bc2, eps, l2, decay;
  // Locals and restrict pointers so that the loop vectorises: the members
  // would otherwise be reloaded after every store (they might alias), and
  // sqrt vectorises only without errno (-fno-math-errno, train/CMakeLists.txt).
  void operator()(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v,
                  int64_t n) const {
    const float sc = scale, beta1 = b1, beta2 = b2, lr = step_size, ibc2 = inv_sqrt_bc2, ep = eps, wd = l2,
                dec = decay;
    const float one_m_b1 = 1.0f - beta1, one_m_b2 = 1.0f - beta2;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      const float grad = g[i] * sc + wd * p[i];
      const float mi = m[i] * beta1 + one_m_b1 * grad;
      const float vi = v[i] * beta2 + one_m_b2 * grad * grad;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] * dec - lr * mi / (std::sqrt(vi) * ibc2 + ep);
    }
  }
};

struct SgdStep {
  float scale, lr, l2, momentum;
  bool nesterov, first;
  void operator()(float* __restrict p, const float* __restrict g, float* __restrict buf, int64_t n) const {
    const float sc = scale, rate = lr, wd = l2, mom = momentum;
    const bool nest = nesterov, init = first;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      const float grad = g[i] * sc + wd * p[i];
      float d = grad;
      if (mom != 0.0f) {
        const float b = init ? grad : buf[i] * mom + grad;
        buf[i] = b;
        d = nest ? grad + mom * b : b;
      }
      p[i] -= rate * d;
    }
  }
};

// Runs f(k, offset, count) over every element of the listed tensors as one
// parallel job: [begin, end) of the concatenated element index space, cut at
// tensor boundaries.
template <class F>
void for_all_elements(const std::vector<int64_t>& sizes, const F& f) {
  std::vector<int64_t> start(sizes.size() + 1, 0);
  for (size_t k = 0; k < sizes.size(); ++k) start[k + 1] = start[k] + sizes[k];
  parallel_chunks(start.back(), kGrain, [&](int64_t begin, int64_t end) {
    size_t k = std::upper_bound(start.begin(), start.end(), begin) - start.begin() - 1;
    for (; k < sizes.size() && start[k] < end; ++k) {
      const int64_t lo = std::max(begin, start[k]), hi = std::min(end, start[k + 1]);
      if (hi > lo) f(k, lo - start[k], hi - lo);
    }
  });
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
  // Float sums over fixed blocks of each gradient, added in order in double:
  // the same result for any thread count.
  constexpr int64_t kBlock = 4096;
  struct Block {
    const float* data;
    int64_t n;
  };
  std::vector<torch::Tensor> grads;
  std::vector<Block> blocks;
  double total = 0.0;
  for (const auto& p : params_) {
    if (!p.grad().defined()) continue;
    if (!p.is_cpu()) {
      total += p.grad().to(torch::kFloat64).square().sum().item<double>();
      continue;
    }
    grads.push_back(p.grad().contiguous());
    const float* g = grads.back().data_ptr<float>();
    const int64_t n = grads.back().numel();
    for (int64_t i = 0; i < n; i += kBlock) blocks.push_back({g + i, std::min(kBlock, n - i)});
  }
  std::vector<double> sums(blocks.size(), 0.0);
  parallel_chunks(static_cast<int64_t>(blocks.size()), 16, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const float* g = blocks[b].data;
      float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
      for (int64_t i = 0; i < blocks[b].n; ++i) acc += g[i] * g[i];
      sums[b] = acc;
    }
  });
  for (double s : sums) total += s;
  return std::sqrt(total);
}

void Optimizer::step(double grad_scale) {
  torch::NoGradGuard no_grad;
  const auto& o = options_;
  // One parallel pass over every parameter that has a gradient.
  struct Slot {
    float* p;
    const float* g;
    float *m, *v;
    int64_t step;
  };
  std::vector<torch::Tensor> grads;
  std::vector<Slot> slots;
  std::vector<int64_t> sizes;
  for (size_t k = 0; k < params_.size(); ++k) {
    if (!params_[k].grad().defined()) continue;
    if (!params_[k].is_cpu()) {
      tensor_op_step(o, params_[k], params_[k].grad(), exp_avg_[k], exp_avg_sq_[k], ++steps_[k],
                     grad_scale);
      continue;
    }
    grads.push_back(params_[k].grad().contiguous());
    slots.push_back({params_[k].data_ptr<float>(), grads.back().data_ptr<float>(),
                     exp_avg_[k].data_ptr<float>(),
                     exp_avg_sq_[k].defined() ? exp_avg_sq_[k].data_ptr<float>() : nullptr,
                     ++steps_[k]});
    sizes.push_back(params_[k].numel());
  }
  if (o.kind == OptimizerKind::Sgd) {
    for_all_elements(sizes, [&](size_t j, int64_t i, int64_t n) {
      const Slot& s = slots[j];
      SgdStep f{float(grad_scale), float(o.lr), float(o.weight_decay), float(o.momentum),
                o.nesterov, s.step == 1};
      f(s.p + i, s.g + i, s.m + i, n);
    });
    return;
  }
  const bool decoupled = o.kind == OptimizerKind::AdamW;
  std::vector<AdamStep> updates;
  for (const Slot& s : slots) {
    const double bc1 = 1.0 - std::pow(o.beta1, s.step), bc2 = 1.0 - std::pow(o.beta2, s.step);
    updates.push_back({float(grad_scale), float(o.beta1), float(o.beta2), float(o.lr / bc1),
                       float(1.0 / std::sqrt(bc2)), float(o.eps),
                       decoupled ? 0.0f : float(o.weight_decay),
                       decoupled ? float(1.0 - o.lr * o.weight_decay) : 1.0f});
  }
  for_all_elements(sizes, [&](size_t j, int64_t i, int64_t n) {
    const Slot& s = slots[j];
    updates[j](s.p + i, s.g + i, s.m + i, s.v + i, n);
  });
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

void tensor_op_step(const OptimizerOptions& o, torch::Tensor& p, const torch::Tensor& g,
                    torch::Tensor& m, torch::Tensor& v, int64_t step, double scale) {
  torch::NoGradGuard no_grad;
  const bool decoupled = o.kind == OptimizerKind::AdamW;
  auto grad = g * scale;
  if (o.weight_decay != 0.0 && !decoupled) grad.add_(p, o.weight_decay);
  if (o.kind == OptimizerKind::Sgd) {
    if (o.momentum != 0.0) {
      if (step == 1) m.copy_(grad); else m.mul_(o.momentum).add_(grad);
      grad = o.nesterov ? grad.add(m, o.momentum) : m;
    }
    p.add_(grad, -o.lr);
    return;
  }
  const double bc1 = 1.0 - std::pow(o.beta1, step), bc2 = 1.0 - std::pow(o.beta2, step);
  m.mul_(o.beta1).add_(grad, 1.0 - o.beta1);
  v.mul_(o.beta2).addcmul_(grad, grad, 1.0 - o.beta2);
  if (decoupled) p.mul_(1.0 - o.lr * o.weight_decay);
  p.addcdiv_(m, v.sqrt().mul_(1.0 / std::sqrt(bc2)).add_(o.eps), -o.lr / bc1);
}

double clip_scale(double grad_norm, double max_norm) {
  if (max_norm <= 0.0) return 1.0;
  const double coef = max_norm / (grad_norm + 1e-6);
  return coef < 1.0 ? coef : 1.0;
}

}  // namespace storefuse::train
