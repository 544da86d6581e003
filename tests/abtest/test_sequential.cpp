// mSPRT: under A = B, looking after every 100 customers keeps the false
// positive rate at or below alpha, where the naive repeated t-test does not;
// under a real effect it stops.
#include <gtest/gtest.h>

#include <cmath>

#include "storefuse/abtest/distributions.h"
#include "storefuse/abtest/random.h"
#include "storefuse/abtest/sequential.h"

namespace storefuse::abtest {
namespace {

struct PeekingOutcome {
  double msprt_rejections = 0, naive_rejections = 0;
};

// `experiments` A/A (or A/B with `effect`) experiments of up to `customers`
// Bernoulli outcomes, split evenly, looked at every `every` customers.
PeekingOutcome run_experiments(int experiments, int customers, int every, double rate, double effect,
                               double alpha, uint64_t seed) {
  Rng rng(seed);
  PeekingOutcome out;
  for (int e = 0; e < experiments; ++e) {
    Msprt m({0.05, alpha, 0.0, 2});
    bool msprt_rejected = false, naive_rejected = false;
    double sum[2] = {0, 0}, n[2] = {0, 0};
    for (int i = 1; i <= customers; ++i) {
      const bool b = rng.bernoulli(0.5);
      const double y = rng.bernoulli(rate + (b ? effect : 0.0)) ? 1.0 : 0.0;
      m.add(b, y);
      sum[b] += y;
      n[b] += 1;
      if (i % every) continue;
      msprt_rejected = msprt_rejected || m.look().p_value < alpha;
      // The naive fixed-horizon z-test, wrongly repeated at every look.
      const double pa = sum[0] / n[0], pb = sum[1] / n[1], pooled = (sum[0] + sum[1]) / (n[0] + n[1]);
      const double se = std::sqrt(pooled * (1 - pooled) * (1 / n[0] + 1 / n[1]));
      if (se > 0 && 2 * normal_sf(std::abs(pb - pa) / se) < alpha) naive_rejected = true;
    }
    out.msprt_rejections += msprt_rejected;
    out.naive_rejections += naive_rejected;
  }
  out.msprt_rejections /= experiments;
  out.naive_rejections /= experiments;
  return out;
}

TEST(Msprt, FalsePositiveRateUnderAAIsAtMostAlpha) {
  const double alpha = 0.05;
  const auto r = run_experiments(1000, 10000, 100, 0.3, 0.0, alpha, 7);
  std::cout << "A/A, 1000 experiments x 100 looks: mSPRT false positives " << r.msprt_rejections
            << ", naive z-test at every look " << r.naive_rejections << "\n";
  RecordProperty("msprt_fpr", std::to_string(r.msprt_rejections));
  EXPECT_LE(r.msprt_rejections, alpha);
  EXPECT_GT(r.naive_rejections, 2 * alpha);  // what peeking does without it
}

TEST(Msprt, DetectsARealEffect) {
  const auto r = run_experiments(200, 10000, 100, 0.3, 0.05, 0.05, 8);
  EXPECT_GT(r.msprt_rejections, 0.8);
}

TEST(Msprt, PValueNeverIncreasesAndIntervalCoversDifference) {
  Msprt m({0.1, 0.05, 0.0, 2});
  Rng rng(1);
  double last = 1.0;
  for (int i = 0; i < 2000; ++i) {
    m.add(i % 2, rng.normal() + (i % 2 ? 0.2 : 0.0));
    const auto l = m.look();
    EXPECT_LE(l.p_value, last);
    last = l.p_value;
    if (l.n_a >= 2 && l.n_b >= 2) {
      EXPECT_LE(l.ci_lo, l.difference);
      EXPECT_GE(l.ci_hi, l.difference);
    }
  }
  EXPECT_LT(last, 0.05);
}

}  // namespace
}  // namespace storefuse::abtest
