#include <gtest/gtest.h>

#include "storefuse/train/optimizer.h"

using namespace storefuse::train;

namespace {

// Runs `steps` updates with the same gradients through the fused optimizer
// and through torch::optim, and returns the largest parameter difference.
template <class TorchOptim>
double max_difference(OptimizerOptions options, TorchOptim make_torch, int steps = 5) {
  torch::manual_seed(11);
  std::vector<torch::Tensor> a = {torch::randn({300, 70}, torch::requires_grad()),
                                  torch::randn({70}, torch::requires_grad())};
  std::vector<torch::Tensor> b;
  for (auto& p : a) b.push_back(p.detach().clone().requires_grad_());
  Optimizer fused(a, options);
  auto reference = make_torch(b);
  for (int s = 0; s < steps; ++s) {
    fused.zero_grad();
    reference.zero_grad();
    for (size_t i = 0; i < a.size(); ++i) {
      auto g = torch::randn_like(a[i]);
      a[i].mutable_grad() = g.clone();
      b[i].mutable_grad() = g.clone();
    }
    fused.step();
    reference.step();
  }
  double diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = std::max(diff, (a[i] - b[i]).abs().max().item<double>());
  return diff;
}

}  // namespace

TEST(Optimizer, AdamMatchesTorchOptim) {
  auto diff = max_difference({OptimizerKind::Adam, 1e-2, 1e-2}, [](auto& p) {
    return torch::optim::Adam(p, torch::optim::AdamOptions(1e-2).weight_decay(1e-2));
  });
  EXPECT_LT(diff, 1e-6);
}

TEST(Optimizer, AdamWMatchesTorchOptim) {
  auto diff = max_difference({OptimizerKind::AdamW, 1e-2, 0.1}, [](auto& p) {
    return torch::optim::AdamW(p, torch::optim::AdamWOptions(1e-2).weight_decay(0.1));
  });
  EXPECT_LT(diff, 1e-6);
}

TEST(Optimizer, SgdNesterovMatchesTorchOptim) {
  OptimizerOptions o{OptimizerKind::Sgd, 0.05, 1e-3};
  o.momentum = 0.9;
  o.nesterov = true;
  auto diff = max_difference(o, [](auto& p) {
    return torch::optim::SGD(p, torch::optim::SGDOptions(0.05).momentum(0.9).nesterov(true).weight_decay(1e-3));
  });
  EXPECT_LT(diff, 1e-6);
}

TEST(Optimizer, FoldedClippingMatchesClipGradNorm) {
  torch::manual_seed(4);
  auto p = torch::randn({1000}, torch::requires_grad());
  auto q = p.detach().clone().requires_grad_();
  auto g = torch::randn({1000}) * 10;
  p.mutable_grad() = g.clone();
  q.mutable_grad() = g.clone();
  Optimizer fused({p}, {OptimizerKind::Sgd, 0.1});
  const double norm = fused.grad_norm();
  EXPECT_NEAR(norm, g.norm().item<double>(), 1e-3);
  fused.step(clip_scale(norm, 1.0));
  torch::nn::utils::clip_grad_norm_(std::vector<torch::Tensor>{q}, 1.0);
  torch::optim::SGD sgd({q}, torch::optim::SGDOptions(0.1));
  sgd.step();
  EXPECT_TRUE(torch::allclose(p, q, 1e-6, 1e-6));
}

TEST(Optimizer, StateRoundTripsThroughAnArchive) {
  auto p = torch::randn({10}, torch::requires_grad());
  Optimizer a({p}, {OptimizerKind::Adam, 1e-2});
  p.mutable_grad() = torch::ones({10});
  a.step();
  torch::serialize::OutputArchive out;
  a.save(out);
  std::ostringstream bytes;
  out.save_to(bytes);
  auto q = p.detach().clone().requires_grad_();
  Optimizer b({q}, {OptimizerKind::Adam, 1e-2});
  torch::serialize::InputArchive in;
  std::istringstream read(bytes.str());
  in.load_from(read);
  b.load(in);
  p.mutable_grad() = torch::ones({10});
  q.mutable_grad() = torch::ones({10});
  a.step();
  b.step();
  EXPECT_TRUE(torch::equal(p, q));
}
