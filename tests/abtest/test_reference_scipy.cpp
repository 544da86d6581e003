// The tests' statistics and p-values against scipy on fixed inputs
// (tests/fixtures/make_stats_fixtures.py writes the expected values).
#include <gtest/gtest.h>

#include <cmath>

#include "storefuse/abtest/distributions.h"
#include "storefuse/abtest/multiple_testing.h"
#include "storefuse/abtest/nonparametric.h"
#include "storefuse/abtest/parametric.h"
#include "storefuse/core/json.h"

namespace storefuse::abtest {
namespace {

json fixture(const std::string& name) {
  return read_json(std::string(STOREFUSE_FIXTURES) + "/stats/" + name);
}

// Within 1e-6, relative for values above 1.
void expect_close(double got, double want, const std::string& what) {
  EXPECT_NEAR(got, want, 1e-6 * std::max(1.0, std::abs(want))) << what;
}

TEST(ScipyReference, BinomialTestMatchesBinomtest) {
  for (const auto& c : fixture("binomtest.json")) {
    const auto t = binomial_test(c["k"], c["n"], c["p"]);
    expect_close(t.p_value, c["p_value"], "binomtest " + c.dump());
  }
}

TEST(ScipyReference, McNemarIsBinomtestOnDiscordantPairs) {
  const auto m = mcnemar_exact(14, 26);  // binomtest(26, 40, 0.5)
  const auto b = binomial_test(26, 40, 0.5);
  EXPECT_DOUBLE_EQ(m.p_value, b.p_value);
  EXPECT_DOUBLE_EQ(mcnemar_exact(0, 0).p_value, 1.0);
}

TEST(ScipyReference, WilcoxonMatchesScipy) {
  for (const auto& c : fixture("wilcoxon.json")) {
    const auto w = wilcoxon_signed_rank(c["d"].get<std::vector<double>>());
    const std::string what = "wilcoxon " + c["method"].get<std::string>() + " n=" + std::to_string(c["d"].size());
    EXPECT_EQ(w.method, c["method"].get<std::string>()) << what;
    expect_close(w.statistic, c["statistic"], what + " statistic");
    expect_close(w.p_value, c["p_value"], what + " p");
  }
}

TEST(ScipyReference, WelchMatchesTtestInd) {
  for (const auto& c : fixture("welch.json")) {
    const auto t = welch_t_test(c["a"].get<std::vector<double>>(), c["b"].get<std::vector<double>>());
    const std::string what = "welch n=" + std::to_string(c["a"].size()) + "/" + std::to_string(c["b"].size());
    expect_close(t.t, c["t"], what + " t");
    expect_close(t.df, c["df"], what + " df");
    expect_close(t.p_value, c["p_value"], what + " p");
  }
}

TEST(ScipyReference, ChiSquareMatchesChisquare) {
  for (const auto& c : fixture("chisquare.json")) {
    const auto t = chi_square_goodness_of_fit(c["observed"].get<std::vector<double>>(),
                                              c["shares"].get<std::vector<double>>());
    expect_close(t.statistic, c["statistic"], "chisquare " + c["observed"].dump());
    expect_close(t.p_value, c["p_value"], "chisquare p " + c["observed"].dump());
  }
}

TEST(ScipyReference, TwoProportionZMatchesNormal) {
  for (const auto& c : fixture("ztest.json")) {
    const auto t = two_proportion_z_test(c["xa"], c["na"], c["xb"], c["nb"]);
    expect_close(t.z, c["z"], "z " + c.dump());
    expect_close(t.p_value, c["p_value"], "z p " + c.dump());
  }
}

TEST(ScipyReference, DistributionsMatchScipyStats) {
  const json d = fixture("distributions.json");
  for (const auto& c : d["normal_ppf"]) expect_close(normal_ppf(c[0]), c[1], "norm.ppf " + c.dump());
  for (const auto& c : d["t_sf"]) expect_close(student_t_sf(c[0], c[1]), c[2], "t.sf " + c.dump());
  for (const auto& c : d["chi2_sf"]) expect_close(chi2_sf(c[0], c[1]), c[2], "chi2.sf " + c.dump());
}

TEST(ScipyReference, SampleSizeMatchesFleissFormula) {
  for (const auto& c : fixture("sample_size.json")) {
    const int64_t n = sample_size_two_proportions(c["p_a"], c["mde"], c["alpha"], c["power"], c["split_b"]);
    EXPECT_EQ(n, c["n_total"].get<int64_t>()) << c.dump();
    // The formula solves power(n) = target: just enough, and one less is not.
    EXPECT_GE(power_two_proportions(c["p_a"], c["mde"], c["alpha"], double(n), c["split_b"]), c["power"].get<double>());
    EXPECT_LT(power_two_proportions(c["p_a"], c["mde"], c["alpha"], double(n - 1), c["split_b"]), c["power"].get<double>());
  }
  // Equal split, alpha 0.05, power 0.8, d = 0.5 sd: the textbook 2 x 63.
  EXPECT_EQ(sample_size_two_means(1.0, 0.5, 0.05, 0.8, 0.5), 126);
}

TEST(MultipleTesting, HolmBonferroniByHand) {
  // Sorted p: 0.01 (x4 = 0.04), 0.02 (x3 = 0.06), 0.03 (x2 = 0.06), 0.5 (x1).
  const auto adj = holm_bonferroni({0.03, 0.5, 0.01, NAN, 0.02});
  EXPECT_NEAR(adj[2], 0.04, 1e-12);
  EXPECT_NEAR(adj[4], 0.06, 1e-12);
  EXPECT_NEAR(adj[0], 0.06, 1e-12);  // monotone: max(0.06, 0.06)
  EXPECT_NEAR(adj[1], 0.5, 1e-12);
  EXPECT_TRUE(std::isnan(adj[3]));
  EXPECT_DOUBLE_EQ(holm_bonferroni({0.4, 0.9})[1], 0.9);
  EXPECT_DOUBLE_EQ(holm_bonferroni({0.6, 0.9})[0], 1.0);  // capped
}

}  // namespace
}  // namespace storefuse::abtest
