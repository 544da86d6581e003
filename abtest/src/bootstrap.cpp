#include "storefuse/abtest/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "storefuse/abtest/distributions.h"
#include "storefuse/abtest/random.h"
#include "storefuse/core/error.h"

namespace storefuse::abtest {

double quantile_sorted(const std::vector<double>& v, double q) {
  if (v.empty()) return NAN;
  const double pos = std::clamp(q, 0.0, 1.0) * double(v.size() - 1);
  const size_t lo = size_t(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - double(lo)) * (v[hi] - v[lo]);
}

BcaInterval bca_interval(std::vector<double> replicates, double estimate,
                         const std::vector<double>& jackknife, double confidence) {
  std::sort(replicates.begin(), replicates.end());
  const double alpha = (1.0 - confidence) / 2.0;
  BcaInterval out;
  out.interval = {quantile_sorted(replicates, alpha), quantile_sorted(replicates, 1.0 - alpha)};
  if (replicates.empty()) return out;

  // z0: the bias correction, from the estimate's mid-rank among the replicates.
  const double below = double(std::lower_bound(replicates.begin(), replicates.end(), estimate) -
                              replicates.begin());
  const double at_or_below = double(std::upper_bound(replicates.begin(), replicates.end(), estimate) -
                                    replicates.begin());
  const double share = (below + at_or_below) / (2.0 * double(replicates.size()));
  // a: the acceleration, from the skewness of the jackknife values.
  const double n = double(jackknife.size());
  const double mean = std::accumulate(jackknife.begin(), jackknife.end(), 0.0) / n;
  double num = 0, den = 0;
  for (double t : jackknife) {
    const double u = (n - 1.0) * (mean - t);
    num += u * u * u;
    den += u * u;
  }
  num /= n * n * n;
  den /= n * n;
  if (share <= 0.0 || share >= 1.0 || !(den > 0)) return out;

  out.z0 = normal_ppf(share);
  out.acceleration = num / (6.0 * std::pow(den, 1.5));
  auto adjusted = [&](double z) {
    const double s = out.z0 + z;
    return normal_cdf(out.z0 + s / (1.0 - out.acceleration * s));
  };
  const double z_alpha = normal_ppf(alpha);
  out.interval = {quantile_sorted(replicates, adjusted(z_alpha)),
                  quantile_sorted(replicates, adjusted(-z_alpha))};
  out.defined = true;
  return out;
}

BootstrapResult paired_bootstrap(const SumStatistic& stat, const BootstrapOptions& opt) {
  if (opt.resamples < 10) {
    throw Error(ErrorKind::Config, "bootstrap resamples must be at least 10",
                "abtest.bootstrap.resamples", "use 2000 or more for 95% intervals");
  }
  BootstrapResult r;
  r.confidence = opt.confidence;
  r.resamples = opt.resamples;
  r.estimate = stat.evaluate();
  const size_t n = stat.size();
  if (n < 2) {
    r.percentile = r.bca.interval = {NAN, NAN};
    return r;
  }
  Rng rng(opt.seed);
  std::vector<double> replicates;
  replicates.reserve(opt.resamples);
  std::vector<double> sums(stat.dim());
  for (int b = 0; b < opt.resamples; ++b) {
    std::fill(sums.begin(), sums.end(), 0.0);
    for (size_t k = 0; k < n; ++k) stat.add_row(rng.index(n), 1.0, sums.data());
    const double v = stat.evaluate(sums.data(), double(n));
    if (std::isnan(v)) {
      ++r.invalid_resamples;
    } else {
      replicates.push_back(v);
    }
  }
  if (replicates.empty()) {
    r.percentile = r.bca.interval = {NAN, NAN};
    return r;
  }
  const double mean = std::accumulate(replicates.begin(), replicates.end(), 0.0) / replicates.size();
  double ss = 0;
  for (double v : replicates) ss += (v - mean) * (v - mean);
  r.std_error = replicates.size() > 1 ? std::sqrt(ss / double(replicates.size() - 1)) : 0.0;
  r.bca = bca_interval(replicates, r.estimate, stat.jackknife(), opt.confidence);
  std::sort(replicates.begin(), replicates.end());
  const double alpha = (1.0 - opt.confidence) / 2.0;
  r.percentile = {quantile_sorted(replicates, alpha), quantile_sorted(replicates, 1.0 - alpha)};
  r.replicates = std::move(replicates);
  return r;
}

double bootstrap_p_value(const std::vector<double>& replicates) {
  if (replicates.empty()) return NAN;
  double below = 0, above = 0;
  for (double v : replicates) {
    below += v <= 0;
    above += v >= 0;
  }
  const double b = double(replicates.size());
  return std::clamp(2.0 * std::min(below, above) / b, 1.0 / b, 1.0);
}

}  // namespace storefuse::abtest
