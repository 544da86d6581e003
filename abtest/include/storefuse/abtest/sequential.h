// Sequential monitoring with always-valid p-values: the mixture sequential
// probability ratio test (mSPRT) with a normal mixing distribution, for the
// difference of two means (Johari, Koomen, Pekelis & Walsh, "Peeking at A/B
// tests", KDD 2017; "Always valid inference", Operations Research 2022).
//
// After n_a and n_b observations, with V = s_a²/n_a + s_b²/n_b the variance
// of the difference of means d = mean_b - mean_a, the mixture likelihood
// ratio of H1: theta ~ N(theta0, tau²) against H0: theta = theta0 is
//   Lambda = sqrt(V / (V + tau²)) · exp(tau² (d - theta0)² / (2 V (V + tau²))).
// Lambda is a martingale under H0, so by Ville's inequality
// P(sup_n Lambda_n >= 1/alpha) <= alpha: the always-valid p-value
// p_n = min(p_{n-1}, 1 / Lambda_n) may be looked at after every observation
// and H0 rejected the first time p_n < alpha, at a false-positive rate of at
// most alpha. Variances are plugged in from the data, as in the paper's
// large-sample version; looks start once each group has `min_per_group`.
//
//   Msprt m({.tau = 0.02, .alpha = 0.05});
//   for (auto& [is_b, y] : stream) { m.add(is_b, y); if (m.look().p_value < 0.05) break; }
#pragma once

#include <cmath>
#include <cstdint>

namespace storefuse::abtest {

struct MsprtOptions {
  double tau = 0.02;         // mixing standard deviation: the effect size you expect
  double alpha = 0.05;       // for the always-valid confidence interval
  double theta0 = 0.0;       // the null difference
  int64_t min_per_group = 2; // below this, p stays 1
};

struct MsprtLook {
  int64_t n_a = 0, n_b = 0;
  double difference = 0;     // mean_b - mean_a
  double likelihood_ratio = 1;
  double p_value = 1;        // always valid: the running minimum of 1 / Lambda
  double ci_lo = -INFINITY, ci_hi = INFINITY;  // always-valid (1 - alpha) interval
};

class Msprt {
 public:
  explicit Msprt(MsprtOptions options);
  void add(bool is_b, double outcome);
  // The statistic after the observations added so far; updates the running p.
  MsprtLook look();

 private:
  struct Moments {
    int64_t n = 0;
    double mean = 0, m2 = 0;  // Welford
  };
  MsprtOptions opt_;
  Moments a_, b_;
  double p_ = 1.0;
};

}  // namespace storefuse::abtest
