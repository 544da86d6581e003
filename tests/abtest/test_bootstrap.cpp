// Bootstrap intervals: BCa against scipy on the same replicates, the exact
// jackknife, determinism, and coverage by simulation.
#include <gtest/gtest.h>

#include <cmath>

#include "storefuse/abtest/bootstrap.h"
#include "storefuse/abtest/random.h"
#include "storefuse/core/json.h"
#include "storefuse/metrics/metrics.h"

namespace storefuse::abtest {
namespace {

SumStatistic mean_of(const std::vector<double>& xs) {
  SumStatistic s(1, [](const double* v, double w) { return v[0] / w; });
  for (double x : xs) {
    s.new_sample();
    s.add(0, x);
  }
  return s;
}

TEST(Bootstrap, BcaMatchesScipyOnTheSameReplicates) {
  const json cases = read_json(std::string(STOREFUSE_FIXTURES) + "/stats/bca.json");
  for (const auto& c : cases) {
    const auto x = c["x"].get<std::vector<double>>();
    const SumStatistic mean = mean_of(x);
    const auto replicates = c["replicates"].get<std::vector<double>>();
    const BcaInterval b = bca_interval(replicates, mean.evaluate(), mean.jackknife(), c["confidence"]);
    ASSERT_TRUE(b.defined);
    EXPECT_NEAR(b.acceleration, c["acceleration"].get<double>(), 1e-9);
    EXPECT_NEAR(b.interval.lo, c["bca"][0].get<double>(), 1e-9);
    EXPECT_NEAR(b.interval.hi, c["bca"][1].get<double>(), 1e-9);
    auto sorted = replicates;
    std::sort(sorted.begin(), sorted.end());
    const double alpha = (1 - c["confidence"].get<double>()) / 2;
    EXPECT_NEAR(quantile_sorted(sorted, alpha), c["percentile"][0].get<double>(), 1e-12);
    EXPECT_NEAR(quantile_sorted(sorted, 1 - alpha), c["percentile"][1].get<double>(), 1e-12);
  }
}

TEST(Bootstrap, JackknifeIsLeaveOneOut) {
  const std::vector<double> x = {1, 4, 2, 8, 5, 7};
  const auto jack = mean_of(x).jackknife();
  for (size_t i = 0; i < x.size(); ++i) {
    double sum = 0;
    for (size_t j = 0; j < x.size(); ++j) sum += j == i ? 0 : x[j];
    EXPECT_DOUBLE_EQ(jack[i], sum / 5.0);
  }
}

TEST(Bootstrap, SameSeedSameInterval) {
  Rng rng(3);
  std::vector<double> x(200);
  for (auto& v : x) v = rng.normal();
  const auto r1 = paired_bootstrap(mean_of(x), {500, 0.95, 11});
  const auto r2 = paired_bootstrap(mean_of(x), {500, 0.95, 11});
  const auto r3 = paired_bootstrap(mean_of(x), {500, 0.95, 12});
  EXPECT_EQ(r1.percentile.lo, r2.percentile.lo);
  EXPECT_EQ(r1.bca.interval.hi, r2.bca.interval.hi);
  EXPECT_NE(r1.percentile.lo, r3.percentile.lo);
}

TEST(Bootstrap, DegenerateDistributionFallsBackToPercentile) {
  const auto r = paired_bootstrap(mean_of(std::vector<double>(50, 2.0)), {200, 0.95, 1});
  EXPECT_FALSE(r.bca.defined);
  EXPECT_DOUBLE_EQ(r.bca.interval.lo, 2.0);
  EXPECT_DOUBLE_EQ(r.percentile.hi, 2.0);
}

// The 95% intervals of a mean cover the true mean in 95% ± 2% of repeated
// experiments. Exponential data (skewed) with n = 100: the textbook case
// where BCa's correction matters.
TEST(Bootstrap, CoverageBySimulation) {
  const int experiments = 1000, n = 100;
  Rng data(2024);
  int covered_percentile = 0, covered_bca = 0;
  for (int e = 0; e < experiments; ++e) {
    std::vector<double> x(n);
    for (auto& v : x) v = -std::log(1.0 - data.uniform());  // Exp(1), mean 1
    const auto r = paired_bootstrap(mean_of(x), {999, 0.95, uint64_t(e) + 1});
    covered_percentile += r.percentile.contains(1.0);
    covered_bca += r.bca.interval.contains(1.0);
  }
  const double p = double(covered_percentile) / experiments, b = double(covered_bca) / experiments;
  RecordProperty("coverage_percentile", std::to_string(p));
  RecordProperty("coverage_bca", std::to_string(b));
  std::cout << "coverage over " << experiments << " experiments: percentile " << p << ", BCa " << b << "\n";
  EXPECT_NEAR(p, 0.95, 0.02);
  EXPECT_NEAR(b, 0.95, 0.02);
}

}  // namespace
}  // namespace storefuse::abtest
