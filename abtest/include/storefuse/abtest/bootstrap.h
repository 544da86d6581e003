// Paired bootstrap confidence intervals, percentile and BCa (Efron &
// Tibshirani 1993, ch. 13-14), seeded and deterministic.
//
// "Paired" means one resample draws sample indices, and both models'
// outputs for a drawn index come along: the interval of acc(B) - acc(A)
// then reflects that both were scored on the same samples.
//
// Every statistic here is a function of column sums of per-sample
// contributions, f(sum_i w_i x_i, sum_i w_i): accuracy, MAE, confusion-based
// scores such as macro-F1, and correlations all are. That makes a resample
// cost O(non-zeros) and the exact jackknife (for BCa's acceleration) O(n·dim)
// instead of O(n²).
//
//   SumStatistic mean(1, [](const double* s, double w) { return s[0] / w; });
//   for (double x : xs) { mean.new_sample(); mean.add(0, x); }
//   BootstrapResult r = paired_bootstrap(mean, {.resamples = 2000, .seed = 7});
//   // r.estimate, r.percentile.lo/hi, r.bca.lo/hi
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "storefuse/metrics/sum_statistic.h"

namespace storefuse::abtest {

using metrics::SumStatistic;

struct Interval {
  double lo = 0, hi = 0;
  bool contains(double x) const { return lo <= x && x <= hi; }
};

struct BootstrapOptions {
  int resamples = 2000;
  double confidence = 0.95;
  uint64_t seed = 42;
};

struct BcaInterval {
  Interval interval;
  double z0 = 0, acceleration = 0;
  // False when BCa is undefined: a degenerate bootstrap distribution (every
  // replicate on one side of the estimate) or no jackknife spread. `interval`
  // then holds the percentile interval.
  bool defined = false;
};

struct BootstrapResult {
  double estimate = 0;
  double std_error = 0;  // standard deviation of the replicates
  Interval percentile;
  BcaInterval bca;
  int resamples = 0;
  int invalid_resamples = 0;  // replicates that were NaN (e.g. a constant resample)
  double confidence = 0.95;
  std::vector<double> replicates;  // sorted, the NaN ones left out
};

// numpy.percentile's default ('linear'): q in [0, 1] over sorted values.
double quantile_sorted(const std::vector<double>& sorted, double q);

// The BCa interval from given replicates and jackknife values; matches
// scipy.stats.bootstrap(method='BCa') for the same replicates (scipy 1.10:
// z0 from the mid-rank of the estimate among the replicates).
BcaInterval bca_interval(std::vector<double> replicates, double estimate,
                         const std::vector<double>& jackknife, double confidence);

// Resamples the samples with replacement `resamples` times.
BootstrapResult paired_bootstrap(const SumStatistic& statistic, const BootstrapOptions& options);

// Bootstrap p-value of "the statistic is 0": twice the smaller share of
// replicates on either side of 0, at least 1/resamples. Coarse; used where no
// closed-form test exists (macro-F1, correlation differences).
double bootstrap_p_value(const std::vector<double>& replicates);

}  // namespace storefuse::abtest
