// The kernel thread pool: every index exactly once, errors come back, nested
// calls run inline, and the fused kernels give bit-identical results for any
// number of kernel threads.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

#include "storefuse/train/kernel_threads.h"
#include "storefuse/train/ops.h"
#include "storefuse/train/optimizer.h"

using namespace storefuse::train;

namespace {

// Restores the default pool size when a test ends.
struct ThreadsGuard {
  ~ThreadsGuard() { set_kernel_threads(0); }
};

// Adam steps on a 1.2M-element parameter set (several chunks) with fixed
// gradients; returns the parameters, the last gradient norm appended.
std::vector<torch::Tensor> adam_run(int threads) {
  set_kernel_threads(threads);
  torch::manual_seed(21);
  const auto grad = torch::requires_grad();
  std::vector<torch::Tensor> params = {torch::randn({1000, 1100}, grad), torch::randn({1100}, grad),
                                       torch::randn({37, 3000}, grad)};
  Optimizer opt(params, {OptimizerKind::Adam, 1e-3, 1e-4});
  double norm = 0;
  for (int s = 0; s < 3; ++s) {
    for (auto& p : params) p.mutable_grad() = torch::randn_like(p);
    norm = opt.grad_norm();
    opt.step(clip_scale(norm, 100.0));
    opt.zero_grad();
  }
  std::vector<torch::Tensor> out;
  for (auto& p : params) out.push_back(p.detach());
  out.push_back(torch::tensor({norm}, torch::kFloat64));
  return out;
}

}  // namespace

TEST(KernelThreads, EveryIndexOnceInAnyChunking) {
  ThreadsGuard guard;
  for (int threads : {1, 2, 5}) {
    set_kernel_threads(threads);
    EXPECT_EQ(kernel_threads(), threads);
    for (int64_t n : {0, 1, 7, 1000, 100003}) {
      for (int64_t grain : {1, 3, 4096}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        parallel_chunks(n, grain, [&](int64_t b, int64_t e) {
          ASSERT_LE(e - b, grain);
          for (int64_t i = b; i < e; ++i) hits[i]++;
        });
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << n << " " << grain << " " << i;
      }
    }
  }
}

TEST(KernelThreads, ErrorsReachTheCallerAndNestedCallsRunInline) {
  ThreadsGuard guard;
  set_kernel_threads(3);
  EXPECT_THROW(parallel_chunks(100, 1, [](int64_t b, int64_t) {
                 if (b == 57) throw std::runtime_error("chunk 57");
               }),
               std::runtime_error);
  std::atomic<int64_t> total{0};
  parallel_chunks(8, 1, [&](int64_t, int64_t) {
    parallel_chunks(10, 1, [&](int64_t b, int64_t e) { total += e - b; });
  });
  EXPECT_EQ(total.load(), 80);
}

TEST(KernelThreads, FusedOptimizerIsIdenticalForAnyThreadCount) {
  ThreadsGuard guard;
  auto one = adam_run(1), four = adam_run(4);
  for (size_t i = 0; i < one.size(); ++i) EXPECT_TRUE(torch::equal(one[i], four[i])) << i;
}

TEST(KernelThreads, ReluDropoutAndAttentionAreIdenticalForAnyThreadCount) {
  ThreadsGuard guard;
  auto run = [](int threads) {
    set_kernel_threads(threads);
    torch::manual_seed(8);
    auto x = torch::randn({256, 1024}, torch::requires_grad());
    auto qkv = torch::randn({256, 4, 3 * 64}, torch::requires_grad());
    auto allowed = torch::rand({256, 4}) > 0.3;
    allowed.select(1, 0).fill_(true);
    auto y = relu_dropout_(x * 1.0, 0.3, true);
    auto a = token_attention(qkv, allowed, 8, 0.1, true);
    auto w = torch::randn_like(a);
    auto grads = torch::autograd::grad({y.sum() + (a * w).sum()}, {x, qkv});
    return std::vector<torch::Tensor>{y.detach(), a.detach(), grads[0], grads[1]};
  };
  auto one = run(1), three = run(3);
  for (size_t i = 0; i < one.size(); ++i) EXPECT_TRUE(torch::equal(one[i], three[i])) << i;
}

TEST(KernelThreads, TensorOpStepMatchesTheFusedPass) {
  // The path for parameters off the CPU, checked here on the CPU.
  for (auto kind : {OptimizerKind::Adam, OptimizerKind::AdamW, OptimizerKind::Sgd}) {
    OptimizerOptions o{kind, 1e-2, 1e-2};
    o.momentum = 0.9;
    o.nesterov = kind == OptimizerKind::Sgd;
    torch::manual_seed(4);
    auto p = torch::randn({300, 70}, torch::requires_grad());
    auto q = p.detach().clone();
    Optimizer fused({p}, o);
    auto m = torch::zeros_like(q), v = torch::zeros_like(q);
    for (int64_t s = 1; s <= 4; ++s) {
      auto g = torch::randn_like(p);
      p.mutable_grad() = g.clone();
      fused.step(0.7);
      tensor_op_step(o, q, g, m, v, s, 0.7);
    }
    EXPECT_LT((p.detach() - q).abs().max().item<double>(), 1e-6) << static_cast<int>(kind);
  }
}
