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

namespace storefuse::abtest {

struct Interval {
  double lo = 0, hi = 0;
  bool contains(double x) const { return lo <= x && x <= hi; }
};

class SumStatistic {
 public:
  // f gets the column sums (dim values) and the total weight (the sample count).
  using Function = std::function<double(const double* sums, double weight)>;
  SumStatistic(size_t dim, Function f);

  void new_sample();                   // starts the next sample's contributions
  void add(uint32_t column, double v);  // adds to the current sample

  size_t size() const { return row_start_.size(); }
  size_t dim() const { return dim_; }
  double evaluate() const;                   // on all samples, each once
  double evaluate(const double* sums, double weight) const { return f_(sums, weight); }
  void add_row(size_t i, double weight, double* sums) const;  // sums += weight * x_i
  std::vector<double> totals() const;
  std::vector<double> jackknife() const;     // leave-one-out values, size()

 private:
  size_t dim_;
  Function f_;
  std::vector<size_t> row_start_;
  std::vector<uint32_t> column_;
  std::vector<double> value_;
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
