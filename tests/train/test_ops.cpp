#include <gtest/gtest.h>

#include <limits>

#include "storefuse/train/ops.h"

using namespace storefuse::train;

namespace {

// The attention of token_attention written with matmul and softmax.
torch::Tensor reference_attention(const torch::Tensor& qkv, const torch::Tensor& allowed, int64_t heads) {
  const int64_t b = qkv.size(0), t = qkv.size(1), e = qkv.size(2) / 3, d = e / heads;
  auto s = qkv.view({b, t, 3, heads, d}).permute({2, 0, 3, 1, 4});
  auto scores = torch::matmul(s[0], s[1].transpose(-1, -2)) / std::sqrt(double(d));
  scores = scores.masked_fill(allowed.logical_not().view({b, 1, 1, t}),
                              -std::numeric_limits<float>::infinity());
  return torch::matmul(torch::softmax(scores, -1), s[2]).transpose(1, 2).reshape({b, t, e});
}

}  // namespace

TEST(TokenAttention, MatchesMatmulSoftmaxForwardAndBackward) {
  torch::manual_seed(3);
  auto qkv = torch::randn({6, 4, 3 * 32}, torch::requires_grad());
  auto allowed = torch::tensor({1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1},
                               torch::kBool).view({6, 4});
  auto weights = torch::randn({6, 4, 32});
  auto out = token_attention(qkv, allowed, 4, 0.0, true);
  auto grad = torch::autograd::grad({(out * weights).sum()}, {qkv})[0];
  auto ref = reference_attention(qkv, allowed, 4);
  auto ref_grad = torch::autograd::grad({(ref * weights).sum()}, {qkv})[0];
  EXPECT_TRUE(torch::allclose(out, ref, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(grad, ref_grad, 1e-5, 1e-5)) << (grad - ref_grad).abs().max();
}

TEST(TokenAttention, DropoutIsReproducibleAndScaled) {
  auto qkv = torch::randn({64, 4, 3 * 16});
  auto allowed = torch::ones({64, 4}, torch::kBool);
  torch::manual_seed(5);
  auto a = token_attention(qkv, allowed, 2, 0.5, true);
  torch::manual_seed(5);
  auto b = token_attention(qkv, allowed, 2, 0.5, true);
  auto c = token_attention(qkv, allowed, 2, 0.5, true);
  auto eval = token_attention(qkv, allowed, 2, 0.5, false);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(b, c));
  EXPECT_TRUE(torch::allclose(eval, reference_attention(qkv, allowed, 2), 1e-5, 1e-5));
}

TEST(ReluDropout, DropsAboutPAndScalesTheRest) {
  torch::manual_seed(9);
  auto x = torch::rand({1000, 100}) + 0.1;
  auto y = relu_dropout_(x.clone(), 0.3, true);
  const double kept = y.ne(0).to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(kept, 0.7, 0.01);
  auto nz = y.ne(0);
  EXPECT_TRUE(torch::allclose(y.masked_select(nz), x.masked_select(nz) / 0.7));
}

TEST(ReluDropout, GradientFlowsOnlyThroughKeptPositiveUnits) {
  torch::manual_seed(2);
  auto x = torch::randn({50, 40}, torch::requires_grad());
  auto h = x * 1.0;  // a non-leaf, as a linear layer's output is
  auto y = relu_dropout_(h, 0.25, true);
  y.sum().backward();
  auto expected = y.gt(0).to(torch::kFloat32) / 0.75;
  EXPECT_TRUE(torch::allclose(x.grad(), expected));
}

TEST(ReluDropout, EvalIsRelu) {
  auto x = torch::randn({10, 10});
  EXPECT_TRUE(torch::equal(relu_dropout_(x.clone(), 0.5, false), x.relu()));
}
