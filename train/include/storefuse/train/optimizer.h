// Adam, AdamW and SGD (momentum, Nesterov) as one fused pass per parameter
// tensor: the update reads the parameter, its gradient and its state once and
// writes them once, where torch::optim runs 6 to 10 separate tensor ops per
// parameter. Gradient clipping is folded in: step(scale) multiplies every
// gradient by `scale` as it reads it, so clipping costs one norm pass and no
// write. The arithmetic follows torch::optim (tests/train/test_optimizer.cpp
// compares them).
//
//   Optimizer opt(model->parameters(), {OptimizerKind::Adam, 1e-3, 1e-5});
//   opt.zero_grad();  loss.backward();
//   opt.step(clip_scale(opt.grad_norm(), 1.0));
#pragma once

#include <vector>

#include <torch/torch.h>

namespace storefuse::train {

enum class OptimizerKind { Adam, AdamW, Sgd };

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::Adam;
  double lr = 1e-3;
  double weight_decay = 0.0;  // Adam, SGD: L2 added to the gradient; AdamW: decoupled
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double momentum = 0.0;  // SGD
  bool nesterov = false;  // SGD
};

class Optimizer {
 public:
  Optimizer(std::vector<torch::Tensor> params, OptimizerOptions options);

  // Drops the gradients; backward then hands its gradient buffers over
  // without a copy or an accumulation pass.
  void zero_grad();
  // Global L2 norm over every gradient (accumulated in double, in parameter
  // order, so it does not depend on the thread count).
  double grad_norm() const;
  // One update with each gradient multiplied by grad_scale. Parameters
  // without a gradient are left alone.
  void step(double grad_scale = 1.0);

  double lr() const { return options_.lr; }
  void set_lr(double lr) { options_.lr = lr; }
  const OptimizerOptions& options() const { return options_; }

  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  std::vector<torch::Tensor> params_;
  OptimizerOptions options_;
  std::vector<int64_t> steps_;                      // per parameter, as torch::optim
  std::vector<torch::Tensor> exp_avg_, exp_avg_sq_;  // Adam(W): moments; SGD: momentum in exp_avg_
};

// One update of one parameter in tensor ops, the arithmetic of the fused
// pass: the path for parameters off the CPU (CUDA), and the reference the
// fused pass is tested against. `step` counts from 1; m, v: the moments
// (SGD: m is the momentum buffer, v unused).
void tensor_op_step(const OptimizerOptions& options, torch::Tensor& p, const torch::Tensor& grad,
                    torch::Tensor& m, torch::Tensor& v, int64_t step, double grad_scale);

// The clip_grad_norm_ factor: max_norm / (norm + 1e-6) when that is below 1,
// else 1. max_norm <= 0 disables clipping.
double clip_scale(double grad_norm, double max_norm);

}  // namespace storefuse::train
