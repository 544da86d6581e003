// MultiTaskLoss against reference values written by make_loss_fixtures.py
// (float64 formulas, cross-checked with torch.nn.functional): each loss part,
// the total, and the gradient of the total with respect to every model output
// and the learned task weights. Regenerate with
//   /usr/bin/python3 tests/train/make_loss_fixtures.py
#include <gtest/gtest.h>

#include <set>

#include "storefuse/core/config.h"
#include "storefuse/core/json.h"
#include "storefuse/train/losses.h"

using namespace storefuse;
using namespace storefuse::train;

namespace {

torch::Tensor tensor_of(const json& t, torch::ScalarType type) {
  std::vector<int64_t> shape = t["shape"].get<std::vector<int64_t>>();
  auto values = t["data"].get<std::vector<double>>();
  return torch::tensor(values, torch::kFloat64).view(shape).to(type);
}

// The largest |a - b| / (atol + rtol * |b|); <= 1 means within tolerance.
double tolerance_ratio(const torch::Tensor& a, const torch::Tensor& b, double atol, double rtol) {
  auto x = a.to(torch::kFloat64), y = b.to(torch::kFloat64);
  return ((x - y).abs() / (atol + rtol * y.abs())).max().item<double>();
}

const json& cases() {
  static const json all = read_json(std::string(STOREFUSE_SOURCE_DIR) + "/tests/train/fixtures/losses.json");
  return all["cases"];
}

class LossFixture : public ::testing::TestWithParam<int> {};

}  // namespace

TEST_P(LossFixture, ValuesAndGradientsMatchTheReference) {
  const json& c = cases()[GetParam()];
  SCOPED_TRACE(c["name"].get<std::string>());
  const auto cfg = config::load("", c["sets"].get<std::vector<std::string>>());
  MultiTaskLoss loss(LossOptions::from_config(cfg["loss"], c["classes"].get<int64_t>()));
  const json& in = c["inputs"];
  const DwellScale dwell{c["dwell_mean_s"].get<double>(), c["dwell_std_s"].get<double>(),
                         cfg["model"]["dwell_space"].as_string() == "log"};

  auto logits = tensor_of(in["behavior_logits"], torch::kFloat32).requires_grad_();
  auto dwell_norm = tensor_of(in["dwell_norm"], torch::kFloat32).requires_grad_();
  auto engagement_logit = tensor_of(in["engagement_logit"], torch::kFloat32).requires_grad_();
  auto tokens = tensor_of(in["tokens"], torch::kFloat32).requires_grad_();
  std::vector<torch::Tensor> wrt = {logits, dwell_norm, engagement_logit, tokens};
  std::vector<std::string> names = {"behavior_logits", "dwell_norm", "engagement_logit", "tokens"};
  if (in.contains("log_vars")) {
    auto log_vars = loss->named_parameters()["log_vars"];
    torch::NoGradGuard no_grad;
    log_vars.copy_(tensor_of(in["log_vars"], torch::kFloat32));
    wrt.push_back(log_vars);
    names.push_back("log_vars");
  } else {
    EXPECT_TRUE(loss->parameters().empty()) << "fixed task weights must not be learned";
  }
  // What FusionModelImpl::finish makes of the heads.
  ModelOutput out;
  out.behavior_logits = logits;
  out.dwell_norm = dwell_norm;
  out.dwell_s = dwell.seconds(dwell_norm);
  out.engagement_logit = engagement_logit;
  out.engagement = torch::sigmoid(engagement_logit);
  out.tokens = tokens;
  Targets targets{tensor_of(in["behavior"], torch::kInt64), tensor_of(in["dwell_s"], torch::kFloat32),
                  tensor_of(in["engagement"], torch::kFloat32)};
  auto mask = tensor_of(in["mask"], torch::kUInt8);

  auto parts = loss->forward(out, targets, mask, dwell);
  const json& want = c["expected"];
  auto expect_value = [&](const char* name, const torch::Tensor& got) {
    ASSERT_TRUE(got.defined()) << name;
    const double w = want[name].get<double>();
    EXPECT_NEAR(got.item<double>(), w, 1e-6 + 1e-5 * std::abs(w)) << name;
  };
  expect_value("total", parts.total);
  expect_value("behavior", parts.behavior);
  expect_value("dwell", parts.dwell);
  expect_value("engagement", parts.engagement);
  if (want.contains("contrastive")) {
    expect_value("contrastive", parts.contrastive);
  } else {
    EXPECT_FALSE(parts.contrastive.defined());
  }

  auto grads = torch::autograd::grad({parts.total}, wrt, {}, false, false, /*allow_unused=*/true);
  for (size_t i = 0; i < wrt.size(); ++i) {
    auto expected = tensor_of(c["grad"][names[i]], torch::kFloat64);
    auto got = grads[i].defined() ? grads[i] : torch::zeros_like(wrt[i]);
    EXPECT_LE(tolerance_ratio(got, expected, 1e-6, 1e-4), 1.0)
        << names[i] << "\n got " << got << "\n want " << expected;
  }
}

INSTANTIATE_TEST_SUITE_P(Losses, LossFixture, ::testing::Range(0, 9),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return cases()[info.param]["name"].get<std::string>();
                         });

TEST(Losses, FixtureCoversEveryOption) {
  std::set<std::string> seen;
  for (const auto& c : cases()) {
    const auto& s = c["settings"];
    seen.insert("dwell:" + s["dwell"].get<std::string>());
    seen.insert("dwell_space:" + s["dwell_space"].get<std::string>());
    seen.insert("engagement:" + s["engagement"].get<std::string>());
    seen.insert("weighting:" + s["task_weighting"].get<std::string>());
    if (!s["class_weights"].empty()) seen.insert("class_weights");
    if (s["label_smoothing"].get<double>() > 0) seen.insert("label_smoothing");
    if (s["contrastive_weight"].get<double>() > 0) seen.insert("contrastive");
  }
  for (const char* want : {"dwell:mse", "dwell:huber", "dwell:log_mse", "dwell_space:seconds", "dwell_space:log",
                           "engagement:mse",
                           "engagement:bce", "weighting:fixed", "weighting:uncertainty",
                           "class_weights", "label_smoothing", "contrastive"}) {
    EXPECT_TRUE(seen.count(want)) << want;
  }
  EXPECT_EQ(cases().size(), 9u);  // the Range of the parameterised test above
}
