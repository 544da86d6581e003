#include "storefuse/abtest/nonparametric.h"

#include <algorithm>
#include <cmath>

#include "storefuse/abtest/distributions.h"
#include "storefuse/metrics/metrics.h"

namespace storefuse::abtest {

BinomialTest binomial_test(int64_t k, int64_t n, double p) {
  BinomialTest t{k, n, p, n > 0 ? double(k) / double(n) : 0.0, 1.0};
  if (n <= 0) return t;
  const double d = binomial_pmf(k, n, p) * (1.0 + 1e-7);
  const double mode_side = p * double(n);
  if (double(k) == mode_side) return t;
  // Sum the far tail: the outcomes on the other side of the mode whose
  // probability is at most d. The pmf is monotone on each side of the mode.
  if (double(k) < mode_side) {
    int64_t lo = int64_t(std::ceil(mode_side)), hi = n;  // first j in [lo, n] with pmf(j) <= d
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (binomial_pmf(mid, n, p) <= d) hi = mid; else lo = mid + 1;
    }
    const double far = binomial_pmf(lo, n, p) <= d ? binomial_sf(lo - 1, n, p) : 0.0;
    t.p_value = binomial_cdf(k, n, p) + far;
  } else {
    int64_t lo = 0, hi = int64_t(std::floor(mode_side));  // last j in [0, hi] with pmf(j) <= d
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo + 1) / 2;
      if (binomial_pmf(mid, n, p) <= d) lo = mid; else hi = mid - 1;
    }
    const double far = binomial_pmf(lo, n, p) <= d ? binomial_cdf(lo, n, p) : 0.0;
    t.p_value = far + binomial_sf(k - 1, n, p);
  }
  t.p_value = std::min(1.0, t.p_value);
  return t;
}

McNemarTest mcnemar_exact(int64_t only_a, int64_t only_b) {
  McNemarTest m{only_a, only_b, 1.0};
  m.p_value = binomial_test(only_b, only_a + only_b, 0.5).p_value;
  return m;
}

namespace {

// P(R+ = r) for r = 0..n(n+1)/2 under H0, by counting the subsets of ranks
// 1..n with each sum.
std::vector<double> signed_rank_null_pmf(int64_t n) {
  const int64_t max_sum = n * (n + 1) / 2;
  std::vector<double> count(max_sum + 1, 0.0);
  count[0] = 1.0;
  for (int64_t rank = 1; rank <= n; ++rank) {
    for (int64_t s = max_sum; s >= rank; --s) count[s] += count[s - rank];
  }
  const double total = std::ldexp(1.0, int(n));
  for (auto& c : count) c /= total;
  return count;
}

}  // namespace

WilcoxonTest wilcoxon_signed_rank(const std::vector<double>& differences) {
  WilcoxonTest w;
  std::vector<double> d, abs_d;
  for (double x : differences) {
    if (x == 0) {
      ++w.n_zero;
    } else {
      d.push_back(x);
      abs_d.push_back(std::abs(x));
    }
  }
  w.n_used = int64_t(d.size());
  if (d.empty()) {
    w.p_value = NAN;
    w.method = "none";
    return w;
  }
  const auto r = metrics::ranks(abs_d);
  for (size_t i = 0; i < d.size(); ++i) (d[i] > 0 ? w.r_plus : w.r_minus) += r[i];
  w.statistic = std::min(w.r_plus, w.r_minus);

  auto sorted = abs_d;
  std::sort(sorted.begin(), sorted.end());
  double tie_term = 0;  // sum over tie groups of t(t^2 - 1)
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    const double t = double(j - i);
    if (t > 1) {
      w.has_ties = true;
      tie_term += t * (t * t - 1.0);
    }
    i = j;
  }

  const int64_t n = w.n_used;
  if (n <= 50 && w.n_zero == 0 && !w.has_ties) {
    w.method = "exact";
    const auto pmf = signed_rank_null_pmf(n);
    const int64_t rp = int64_t(std::llround(w.r_plus));
    const int64_t max_sum = int64_t(pmf.size()) - 1;
    if (2 * rp == max_sum) {
      w.p_value = 1.0;
    } else {
      double lower = 0, upper = 0;
      for (int64_t s = 0; s <= rp; ++s) lower += pmf[s];
      for (int64_t s = rp; s <= max_sum; ++s) upper += pmf[s];
      w.p_value = std::clamp(2.0 * std::min(lower, upper), 0.0, 1.0);
    }
    return w;
  }
  w.method = "approx";
  const double nn = double(n);
  const double mean = nn * (nn + 1.0) / 4.0;
  const double var = (nn * (nn + 1.0) * (2.0 * nn + 1.0) - 0.5 * tie_term) / 24.0;
  w.z = (w.statistic - mean) / std::sqrt(var);
  w.p_value = 2.0 * normal_sf(std::abs(w.z));
  return w;
}

}  // namespace storefuse::abtest
