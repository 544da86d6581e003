// Metrics against reference values computed independently with scipy and
// numpy (tests/fixtures/make_metrics_fixtures.py).
#include <gtest/gtest.h>

#include <cmath>

#include "storefuse/core/error.h"
#include "storefuse/metrics/metrics.h"

namespace m = storefuse::metrics;
using storefuse::json;

namespace {

struct Case {
  m::Outputs out;
  m::Targets t;
  json expected;
};

Case load_case(int k) {
  json j = storefuse::read_json(std::string(STOREFUSE_FIXTURES) + "/metrics/case_" +
                                std::to_string(k) + ".json");
  Case c;
  c.out.n_classes = j["n_classes"];
  c.out.probs = j["probs"].get<std::vector<float>>();
  c.out.dwell_s = j["dwell_pred"].get<std::vector<float>>();
  c.out.engagement = j["eng_pred"].get<std::vector<float>>();
  c.t.behavior = j["labels"].get<std::vector<int64_t>>();
  c.t.dwell_s = j["dwell_true"].get<std::vector<float>>();
  c.t.engagement = j["eng_true"].get<std::vector<float>>();
  c.expected = j["expected"];
  return c;
}

}  // namespace

class MetricsGolden : public ::testing::TestWithParam<int> {};

TEST_P(MetricsGolden, MatchesScipyAndNumpy) {
  Case c = load_case(GetParam());
  m::Report r = m::evaluate(c.out, c.t, {15});
  const json& e = c.expected;
  EXPECT_NEAR(r.accuracy, e["accuracy"].get<double>(), 1e-12);
  EXPECT_NEAR(r.top2_accuracy, e["top2_accuracy"].get<double>(), 1e-12);
  EXPECT_NEAR(r.macro_f1, e["macro_f1"].get<double>(), 1e-12);
  auto f1 = e["per_class_f1"].get<std::vector<double>>();
  ASSERT_EQ(r.per_class.size(), f1.size());
  for (size_t k = 0; k < f1.size(); ++k) EXPECT_NEAR(r.per_class[k].f1, f1[k], 1e-12) << "class " << k;
  EXPECT_NEAR(r.ece, e["ece_15"].get<double>(), 1e-6);
  EXPECT_NEAR(r.dwell_mae_s, e["dwell_mae_s"].get<double>(), 1e-4);
  EXPECT_NEAR(r.dwell_rmse_s, e["dwell_rmse_s"].get<double>(), 1e-4);
  EXPECT_NEAR(r.engagement_pearson, e["pearson"].get<double>(), 1e-6);
  EXPECT_NEAR(r.engagement_spearman, e["spearman"].get<double>(), 1e-6);
  int64_t total = 0;
  for (const auto& row : r.confusion) for (auto v : row) total += v;
  EXPECT_EQ(total, r.n);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, MetricsGolden, ::testing::Values(0, 1, 2));

TEST(Metrics, RanksAverageTies) {
  EXPECT_EQ(m::ranks({10, 20, 20, 5}), (std::vector<double>{2, 3.5, 3.5, 1}));
}

TEST(Metrics, PerfectPredictionsAndConstantsGiveEdgeValues) {
  m::Outputs o{{1, 0, 0, 1, 1, 0}, 2, {10, 20, 30}, {0.5f, 0.5f, 0.5f}};
  m::Targets t{{0, 1, 0}, {10, 20, 30}, {0.1f, 0.2f, 0.3f}};
  auto r = m::evaluate(o, t);
  EXPECT_DOUBLE_EQ(r.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(r.macro_f1, 1.0);
  EXPECT_DOUBLE_EQ(r.dwell_mae_s, 0.0);
  EXPECT_DOUBLE_EQ(r.ece, 0.0);
  EXPECT_TRUE(std::isnan(r.engagement_pearson)) << "a constant prediction has no correlation";
}

TEST(Metrics, SlicesPartitionTheSamples) {
  Case c = load_case(0);
  std::vector<std::string> keys;
  for (size_t i = 0; i < c.t.behavior.size(); ++i) keys.push_back(i % 3 ? "store_1" : "store_2");
  auto slices = m::evaluate_slices(c.out, c.t, keys);
  ASSERT_EQ(slices.size(), 2u);
  auto whole = m::evaluate(c.out, c.t);
  double weighted = 0;
  for (const auto& [k, r] : slices) weighted += r.accuracy * r.n;
  EXPECT_NEAR(weighted / whole.n, whole.accuracy, 1e-12);
}

TEST(Metrics, MismatchedSizesAndBadLabelsAreDataErrors) {
  m::Outputs o{{0.5f, 0.5f}, 2, {1}, {0.5f}};
  m::Targets t{{0, 1}, {1, 2}, {0.1f, 0.2f}};
  EXPECT_THROW(m::evaluate(o, t), storefuse::Error);
  m::Targets bad{{7}, {1}, {0.1f}};
  try {
    m::evaluate(o, bad);
    FAIL();
  } catch (const storefuse::Error& e) {
    EXPECT_NE(std::string(e.what()).find("label 7 out of range"), std::string::npos) << e.what();
  }
}

TEST(Metrics, JsonAndMarkdownCarryTheNumbers) {
  Case c = load_case(1);
  auto r = m::evaluate(c.out, c.t);
  json j = m::to_json(r, {"a", "b", "c"});
  EXPECT_DOUBLE_EQ(j["behavior"]["accuracy"].get<double>(), r.accuracy);
  EXPECT_TRUE(j["behavior"]["per_class"].contains("b"));
  std::string md = m::to_markdown(r, {"a", "b", "c"});
  EXPECT_NE(md.find("| behaviour accuracy |"), std::string::npos);
  EXPECT_NE(md.find("| 1 b |"), std::string::npos);
}

TEST(Metrics, MissingModalityKeyNamesWhatIsAbsent) {
  const uint8_t all[] = {1, 1, 1, 1}, audio[] = {1, 0, 1, 1}, two[] = {0, 1, 0, 1};
  EXPECT_EQ(m::missing_modality_key(all), "none");
  EXPECT_EQ(m::missing_modality_key(audio), "audio");
  EXPECT_EQ(m::missing_modality_key(two), "visual+text");
}
