// Metrics against reference values computed independently with scipy and
// numpy (tests/fixtures/make_metrics_fixtures.py).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "storefuse/core/error.h"
#include "storefuse/metrics/metrics.h"
#include "storefuse/metrics/statistics.h"

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

// The one Pearson: from values and from running sums, with one rule for a
// constant side (NaN) and for fewer than two samples. Golden r from
// scipy.stats.pearsonr([1, 2, 3, 4, 6], [2, 1, 4, 3, 7]).
TEST(Metrics, PearsonFromValuesAndFromSumsAgreeAndShareTheDegenerateRule) {
  const std::vector<double> x{1, 2, 3, 4, 6}, y{2, 1, 4, 3, 7};
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sx += x[i], sy += y[i], sxx += x[i] * x[i], syy += y[i] * y[i], sxy += x[i] * y[i];
  }
  EXPECT_NEAR(m::pearson(x, y), 0.8806955667454326, 1e-12);
  EXPECT_NEAR(m::pearson_from_sums(5, sx, sy, sxx, syy, sxy), m::pearson(x, y), 1e-12);
  EXPECT_DOUBLE_EQ(m::pearson(x, x), 1.0);
  EXPECT_TRUE(std::isnan(m::pearson({1, 2, 3}, {5, 5, 5})));
  EXPECT_TRUE(std::isnan(m::pearson_from_sums(3, 6, 15, 14, 75, 30)));  // y = 5, 5, 5
  EXPECT_TRUE(std::isnan(m::pearson({1}, {2})));
  EXPECT_TRUE(std::isnan(m::pearson_from_sums(0, 0, 0, 0, 0, 0)));
  EXPECT_THROW(m::pearson({1, 2}, {1, 2, 3}), storefuse::Error);
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

// The table of statistics: every row reads its own field of a Report, the
// A/B tool compares the rows with a paired test, and an unknown name is a
// config error that lists the known ones (no silent "higher is better").
TEST(Statistics, EveryRowReadsItsFieldAndUnknownNamesAreErrors) {
  m::Report r;
  r.accuracy = 0.1, r.macro_f1 = 0.2, r.top2_accuracy = 0.3, r.dwell_mae_s = 4, r.dwell_rmse_s = 5;
  r.engagement_pearson = 0.6, r.engagement_spearman = 0.7, r.engagement_mae = 0.8, r.ece = 0.9;
  const std::map<std::string, double> want = {
      {"accuracy", 0.1},          {"macro_f1", 0.2},           {"top2_accuracy", 0.3},
      {"dwell_mae_s", 4},         {"dwell_rmse_s", 5},         {"engagement_pearson", 0.6},
      {"engagement_spearman", 0.7}, {"engagement_mae", 0.8},   {"ece", 0.9}};
  ASSERT_EQ(m::statistics().size(), want.size());
  for (const auto& s : m::statistics()) EXPECT_EQ(s.of(r), want.at(s.name)) << s.name;
  EXPECT_FALSE(m::statistic("dwell_mae_s").higher_is_better());
  EXPECT_TRUE(m::statistic("dwell_mae_s").better(3.0, 4.0));
  EXPECT_TRUE(m::statistic("accuracy").better(0.9, 0.8));
  EXPECT_EQ(m::compared_statistic_names(),
            (std::vector<std::string>{"accuracy", "macro_f1", "dwell_mae_s", "engagement_pearson", "ece"}));
  EXPECT_EQ(m::primary_statistic_names(),
            (std::vector<std::string>{"accuracy", "macro_f1", "dwell_mae_s", "engagement_pearson"}));
  try {
    m::statistic("accuracy_top5");
    FAIL() << "no error for an unknown statistic";
  } catch (const storefuse::Error& e) {
    EXPECT_EQ(e.kind(), storefuse::ErrorKind::Config);
    EXPECT_NE(std::string(e.what()).find("use one of accuracy, macro_f1"), std::string::npos) << e.what();
  }
}

// Every compared row's paired difference, evaluated on all samples, equals
// the difference of the row's values from metrics::evaluate: the A/B
// bootstrap resamples exactly the statistic eval reports.
TEST(Statistics, PairedDifferencesEqualTheDifferenceOfTheReportedValues) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const int64_t n = 300, c = 4;
  auto outputs = [&] {
    m::Outputs o{{}, c, {}, {}};
    for (int64_t i = 0; i < n; ++i) {
      float sum = 0;
      for (int64_t k = 0; k < c; ++k) sum += (o.probs.emplace_back(u(rng) + 0.01f), o.probs.back());
      for (int64_t k = 0; k < c; ++k) o.probs[i * c + k] /= sum;
      o.dwell_s.push_back(100 * u(rng));
      o.engagement.push_back(u(rng));
    }
    return o;
  };
  const m::Outputs a = outputs(), b = outputs();
  m::Targets t;
  for (int64_t i = 0; i < n; ++i) {
    t.behavior.push_back(int64_t(rng() % c));
    t.dwell_s.push_back(100 * u(rng));
    t.engagement.push_back(u(rng));
  }
  const m::PairedPredictions p{a, b, t, m::top_class(a), m::top_class(b), 15};
  const m::Report ra = m::evaluate(a, t), rb = m::evaluate(b, t);
  std::vector<size_t> all(n);
  for (int64_t i = 0; i < n; ++i) all[size_t(i)] = size_t(i);
  int compared = 0;
  for (const auto& s : m::statistics()) {
    EXPECT_EQ(s.paired_test.empty(), s.paired_difference == nullptr) << s.name;
    if (!s.paired_difference) continue;
    ++compared;
    EXPECT_NEAR(s.paired_difference(p, all).evaluate(), s.of(rb) - s.of(ra), 1e-9) << s.name;
  }
  EXPECT_EQ(compared, 5);
}
