// Feature summaries and drift: PSI and KS against numpy/scipy on fixed inputs
// (tests/fixtures/make_stats_fixtures.py), and on dataset files: an unshifted
// split stays below the PSI threshold, a shifted one is flagged.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "storefuse/core/error.h"
#include "storefuse/core/json.h"
#include "storefuse/datasets/dataset_writer.h"
#include "storefuse/metrics/feature_summary.h"

namespace ds = storefuse::datasets;
namespace fs = std::filesystem;

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

// A vectors dataset: every input ~ N(shift, scale), audio absent in a share of rows.
fs::path write_dataset(const std::string& name, double shift, double scale, uint64_t seed,
                       double audio_missing = 0.1, int rows = 1200) {
  auto spec = ds::seed_vector_spec({"browsing", "queueing", "purchasing"});
  spec[ds::Modality::Visual].shape = {64};
  spec[ds::Modality::Text].shape = {32};
  const auto dir = fs::temp_directory_path() / ("sf_ab_drift_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const auto path = dir / (name + ".h5");
  ds::DatasetWriter w(path, spec, {{"generator", "test"}});
  auto b = ds::Batch::allocate(spec, rows, true);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<double> u(0, 1);
  for (int m = 0; m < ds::kNumModalities; ++m) {
    auto* x = b.inputs[m].as<float>();
    const int64_t n = b.inputs[m].shape[0] * spec.modalities[m].numel();
    for (int64_t i = 0; i < n; ++i) x[i] = float(shift + scale * normal(rng));
  }
  for (int i = 0; i < rows; ++i) {
    for (int m = 0; m < 4; ++m) b.mask[i * 4 + m] = 1;
    if (u(rng) < audio_missing) b.mask[i * 4 + 1] = 0;
    b.sample_id[i] = i;
    b.customer_id[i] = i / 3;
    b.behavior[i] = i % 3;
    b.dwell_s[i] = 10;
    b.engagement[i] = 0.5f;
  }
  w.append(b);
  w.close();
  return path;
}

TEST(FeatureSummary, UnshiftedSplitStaysBelowThresholdShiftedSetIsFlagged) {
  const auto train = write_dataset("train", 0.0, 1.0, 1);
  const auto summary = summarize_features(train);
  EXPECT_LT(summary.dump().size(), 16000u) << "a few KB of JSON";
  EXPECT_EQ(summary["features"].size(), 16u);  // 4 modalities x 4 statistics
  EXPECT_NEAR(summary["present_share"]["visual"].get<double>(), 1.0, 1e-12);

  const auto same = compare_features(summary, feature_statistics(write_dataset("test", 0.0, 1.0, 2)));
  EXPECT_LT(same.max_psi, kPsiModerate) << same.worst_feature;
  EXPECT_EQ(same.level, "none");
  EXPECT_EQ(same.features.size(), 20u);  // 16 statistics + 4 presence shares

  const auto shifted = compare_features(summary, feature_statistics(write_dataset("shift", 0.15, 1.3, 3)));
  EXPECT_GE(shifted.max_psi, kPsiMajor) << shifted.worst_feature;
  EXPECT_EQ(shifted.level, "major");
  EXPECT_GT(shifted.max_ks, 0.3);

  // Only the audio presence changes: flagged on audio.present.
  const auto absent = compare_features(summary, feature_statistics(write_dataset("absent", 0.0, 1.0, 4, 0.6)));
  EXPECT_EQ(absent.worst_feature, "audio.present");
  EXPECT_GE(absent.max_psi, kPsiMajor);
  fs::remove_all(train.parent_path());
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
