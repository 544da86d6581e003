// Feature summaries and drift: PSI and KS against numpy/scipy on fixed inputs
// (tests/fixtures/make_stats_fixtures.py), and on dataset files: an unshifted
// split stays below the PSI threshold, a shifted one is flagged.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "storefuse/core/error.h"
#include "storefuse/core/json.h"
#include "storefuse/metrics/feature_summary.h"
#include "synthetic_dataset.h"


namespace storefuse::metrics {
namespace {

json fixture(const std::string& name) {
  return read_json(std::string(STOREFUSE_FIXTURES) + "/stats/" + name);
}

TEST(FeatureSummary, SummaryPsiAndKsMatchNumpyAndScipy) {
  for (const auto& c : fixture("drift.json")) {
    const std::string what = c["name"];
    const auto summary = summarize_values(c["reference"].get<std::vector<double>>());
    const auto edges = summary["edges"].get<std::vector<double>>();
    const auto want_edges = c["edges"].get<std::vector<double>>();
    ASSERT_EQ(edges.size(), want_edges.size()) << what;
    for (size_t i = 0; i < edges.size(); ++i) EXPECT_NEAR(edges[i], want_edges[i], 1e-12) << what;
    EXPECT_EQ(summary["share"].get<std::vector<double>>(), c["share"].get<std::vector<double>>()) << what;
    const auto cur = c["current"].get<std::vector<double>>();
    EXPECT_NEAR(psi(summary, cur), c["psi"].get<double>(), 1e-6) << what;
    EXPECT_NEAR(ks_statistic(summary, cur), c["ks"].get<double>(), 1e-6) << what;
  }
}

TEST(FeatureSummary, PsiIsZeroOnTheReferenceItselfAndPresenceIsSymmetricInShape) {
  std::vector<double> v;
  for (int i = 0; i < 1000; ++i) v.push_back(std::sin(i * 0.37) + i * 1e-4);
  const auto s = summarize_values(v);
  EXPECT_NEAR(psi(s, v), 0.0, 1e-12);
  EXPECT_LE(ks_statistic(s, v), 1.0 / 20 + 1e-9);  // the quantile CDF is exact at every edge
  EXPECT_DOUBLE_EQ(presence_psi(0.9, 0.9), 0.0);
  EXPECT_NEAR(presence_psi(0.9, 0.6), (0.6 - 0.9) * std::log(0.6 / 0.9) + (0.4 - 0.1) * std::log(0.4 / 0.1),
              1e-12);
  EXPECT_STREQ(psi_level(0.09), "none");
  EXPECT_STREQ(psi_level(0.1), "moderate");
  EXPECT_STREQ(psi_level(0.25), "major");
}

using abtest::testing::DatasetSpec;
using abtest::testing::write_dataset;

TEST(FeatureSummary, UnshiftedSplitStaysBelowThresholdShiftedSetIsFlagged) {
  const auto train = write_dataset("fs_train", {0.0, 1.0, 1});
  const auto summary = summarize_features(train);
  EXPECT_LT(summary.dump().size(), 16000u) << "a few KB of JSON";
  EXPECT_EQ(summary["features"].size(), 16u);  // 4 modalities x 4 statistics
  EXPECT_NEAR(summary["present_share"]["visual"].get<double>(), 1.0, 1e-12);

  const auto same = compare_features(summary, feature_statistics(write_dataset("fs_test", {0.0, 1.0, 2})));
  EXPECT_LT(same.max_psi, kPsiModerate) << same.worst_feature;
  EXPECT_EQ(same.level, "none");
  EXPECT_EQ(same.features.size(), 20u);  // 16 statistics + 4 presence shares

  const auto shifted = compare_features(summary, feature_statistics(write_dataset("fs_shift", {0.15, 1.3, 3})));
  EXPECT_GE(shifted.max_psi, kPsiMajor) << shifted.worst_feature;
  EXPECT_EQ(shifted.level, "major");
  EXPECT_GT(shifted.max_ks, 0.3);

  // Only the audio presence changes: flagged on audio.present.
  const auto absent = compare_features(summary, feature_statistics(write_dataset("fs_absent", {0.0, 1.0, 4, 0.6})));
  EXPECT_EQ(absent.worst_feature, "audio.present");
  EXPECT_GE(absent.max_psi, kPsiMajor);
}

TEST(FeatureSummary, MalformedOrMismatchedSummaryIsAClearError) {
  FeatureStats cur;
  cur.values["visual.mean"] = {1, 2, 3};
  EXPECT_THROW(compare_features(json{{"version", 2}}, cur), Error);
  json other{{"version", 1}, {"features", {{"frames.mean", summarize_values({1, 2, 3})}}}};
  try {
    compare_features(other, cur);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("frames.mean"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace storefuse::metrics
