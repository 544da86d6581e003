// The decision rule on synthetic comparisons whose truth is known.
#include <gtest/gtest.h>

#include "storefuse/abtest/decision.h"
#include "storefuse/abtest/inputs.h"
#include "storefuse/abtest/offline.h"
#include "storefuse/abtest/online.h"
#include "synthetic.h"

namespace storefuse::abtest {
namespace {

struct Compared {
  OfflineResult result;
  Verdict verdict;
};

Compared compare(const testing::SyntheticSpec& spec, Settings s = {}) {
  const auto dir = testing::temp_dir("decision");
  testing::write_synthetic(dir, spec);
  s.resamples = 500;
  const auto d = align(read_predictions(dir / "a.csv"), read_predictions(dir / "b.csv"), read_labels(dir / "labels.csv"));
  Compared c{compare_offline(d, s), {}};
  c.verdict = decide_offline(c.result, s);
  return c;
}

bool has_check(const Verdict& v, const std::string& name, const std::string& status) {
  for (const auto& c : v.checks) {
    if (c.name == name && c.status == status) return true;
  }
  return false;
}

TEST(Decision, ClearlyBetterBIsPromoted) {
  testing::SyntheticSpec spec;
  spec.n = 2000;
  spec.acc_a = 0.60;
  spec.acc_b = 0.75;
  const auto c = compare(spec);
  EXPECT_EQ(c.verdict.decision, "PROMOTE_B");
  const auto* acc = c.result.find("accuracy");
  EXPECT_GT(acc->bootstrap.bca.interval.lo, 0.0);
  EXPECT_LT(c.result.mcnemar.p_value, 1e-6);
}

TEST(Decision, ClearlyWorseBIsKept) {
  testing::SyntheticSpec spec;
  spec.n = 2000;
  spec.acc_a = 0.75;
  spec.acc_b = 0.60;
  EXPECT_EQ(compare(spec).verdict.decision, "KEEP_A");
}

TEST(Decision, EqualModelsOnFewSamplesAreInconclusive) {
  testing::SyntheticSpec spec;
  spec.n = 150;
  const auto c = compare(spec);
  EXPECT_EQ(c.verdict.decision, "INCONCLUSIVE");
  EXPECT_TRUE(has_check(c.verdict, "primary", "inconclusive"));
}

TEST(Decision, ASliceThatLosesBlocksPromotion) {
  testing::SyntheticSpec spec;
  spec.n = 3000;
  spec.stores = 6;
  spec.acc_a = 0.60;
  spec.acc_b = 0.85;
  spec.slow_store_for_b = "s2";  // B always wrong there, better everywhere else
  const auto c = compare(spec);
  EXPECT_EQ(c.verdict.decision, "KEEP_A");
  EXPECT_TRUE(has_check(c.verdict, "slices", "fail"));
  EXPECT_TRUE(has_check(c.verdict, "primary", "pass"));
}

TEST(Decision, LatencyGuardrail) {
  testing::SyntheticSpec spec;
  spec.n = 2000;
  spec.acc_a = 0.60;
  spec.acc_b = 0.75;
  spec.latency = true;
  spec.latency_b_scale = 1.5;
  const auto c = compare(spec);
  ASSERT_TRUE(c.result.latency.has_value());
  EXPECT_NEAR(c.result.latency->p99_regression, 0.5, 0.05);
  EXPECT_EQ(c.verdict.decision, "KEEP_A");
  EXPECT_TRUE(has_check(c.verdict, "latency", "fail"));
}

TEST(Decision, LowerIsBetterForDwellMae) {
  testing::SyntheticSpec spec;
  spec.n = 1000;
  spec.dwell_noise_a = 8.0;
  spec.dwell_noise_b = 4.0;
  Settings s;
  s.decision.primary_metric = "dwell_mae_s";
  s.decision.min_effect = 0.5;  // seconds
  const auto c = compare(spec, s);
  EXPECT_LT(c.result.find("dwell_mae_s")->diff, -2.0);
  EXPECT_LT(c.result.wilcoxon.p_value, 1e-6);
  EXPECT_EQ(c.verdict.decision, "PROMOTE_B");
}

TEST(Decision, SampleRatioMismatchComesFirst) {
  std::vector<Observation> log;
  for (int i = 0; i < 1000; ++i) log.push_back({"c" + std::to_string(i), i % 10 < 6 ? "B" : "A", double(i % 2)});
  Settings s;
  const auto r = analyse_online(log, s.online, s.decision.alpha);
  EXPECT_TRUE(r.srm_failed);
  EXPECT_FALSE(r.welch.has_value());
  const auto v = decide_online(r, s);
  EXPECT_EQ(v.decision, "INCONCLUSIVE");
  ASSERT_FALSE(v.checks.empty());
  EXPECT_EQ(v.checks[0].name, "srm");
  EXPECT_NE(v.checks[0].detail.find("sample ratio mismatch"), std::string::npos);
}

TEST(Decision, OnlineSimulationPromotesABetterModel) {
  testing::SyntheticSpec spec;
  spec.n = 6000;
  spec.customers = 6000;
  spec.acc_a = 0.60;
  spec.acc_b = 0.72;
  const auto dir = testing::temp_dir("online");
  testing::write_synthetic(dir, spec);
  Settings s;
  const auto d = align(read_predictions(dir / "a.csv"), read_predictions(dir / "b.csv"), read_labels(dir / "labels.csv"));
  const auto log = simulate_experiment(d, s.online);
  const auto r = analyse_online(log, s.online, s.decision.alpha);
  EXPECT_FALSE(r.srm_failed);
  ASSERT_TRUE(r.welch.has_value());
  EXPECT_NEAR(r.mean_b - r.mean_a, 0.12, 0.05);
  EXPECT_GT(r.first_rejection_customers, 0);
  EXPECT_EQ(decide_online(r, s).decision, "PROMOTE_B");
}

}  // namespace
}  // namespace storefuse::abtest
