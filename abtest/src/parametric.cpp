#include "storefuse/abtest/parametric.h"

#include <cmath>
#include <numeric>

#include "storefuse/abtest/distributions.h"
#include "storefuse/core/error.h"

namespace storefuse::abtest {

ChiSquareTest chi_square_goodness_of_fit(const std::vector<double>& observed,
                                         const std::vector<double>& shares) {
  if (observed.size() != shares.size() || observed.size() < 2) {
    throw Error(ErrorKind::Runtime, "chi-square needs as many shares as counts, at least 2",
                "abtest::chi_square_goodness_of_fit");
  }
  const double total = std::accumulate(observed.begin(), observed.end(), 0.0);
  const double share_sum = std::accumulate(shares.begin(), shares.end(), 0.0);
  ChiSquareTest t;
  t.df = double(observed.size() - 1);
  for (size_t i = 0; i < observed.size(); ++i) {
    const double e = total * shares[i] / share_sum;
    t.expected.push_back(e);
    t.statistic += (observed[i] - e) * (observed[i] - e) / e;
  }
  t.p_value = chi2_sf(t.statistic, t.df);
  return t;
}

ZTest two_proportion_z_test(int64_t xa, int64_t na, int64_t xb, int64_t nb, double confidence) {
  ZTest t;
  if (na <= 0 || nb <= 0) {
    t.p_value = NAN;
    return t;
  }
  const double pa = double(xa) / double(na), pb = double(xb) / double(nb);
  const double pooled = double(xa + xb) / double(na + nb);
  t.estimate = pb - pa;
  t.std_error = std::sqrt(pa * (1 - pa) / double(na) + pb * (1 - pb) / double(nb));
  const double se0 = std::sqrt(pooled * (1 - pooled) * (1.0 / double(na) + 1.0 / double(nb)));
  if (se0 > 0) {
    t.z = t.estimate / se0;
    t.p_value = 2.0 * normal_sf(std::abs(t.z));
  } else {
    t.p_value = 1.0;  // both groups all 0 or all 1
  }
  const double zc = normal_ppf(0.5 + confidence / 2.0);
  t.ci_lo = t.estimate - zc * t.std_error;
  t.ci_hi = t.estimate + zc * t.std_error;
  return t;
}

double student_t_ppf(double p, double df) {
  if (p <= 0 || p >= 1) return p <= 0 ? -INFINITY : INFINITY;
  if (p < 0.5) return -student_t_ppf(1.0 - p, df);
  double lo = 0, hi = 1;
  while (student_t_sf(hi, df) > 1.0 - p) hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (student_t_sf(mid, df) > 1.0 - p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

namespace {
void mean_var(const std::vector<double>& x, double& mean, double& var) {
  mean = std::accumulate(x.begin(), x.end(), 0.0) / double(x.size());
  double ss = 0;
  for (double v : x) ss += (v - mean) * (v - mean);
  var = x.size() > 1 ? ss / double(x.size() - 1) : NAN;
}
}  // namespace

WelchTest welch_t_test(const std::vector<double>& a, const std::vector<double>& b,
                       double confidence) {
  WelchTest t;
  if (a.size() < 2 || b.size() < 2) {
    throw Error(ErrorKind::Data, "Welch's t-test needs at least 2 observations per group",
                "abtest::welch_t_test", "collect more customers in each variant");
  }
  double va, vb;
  mean_var(a, t.mean_a, va);
  mean_var(b, t.mean_b, vb);
  const double qa = va / double(a.size()), qb = vb / double(b.size());
  t.estimate = t.mean_b - t.mean_a;
  t.std_error = std::sqrt(qa + qb);
  if (!(t.std_error > 0)) {
    t.p_value = t.estimate == 0 ? NAN : 0.0;
    return t;
  }
  t.t = (t.mean_a - t.mean_b) / t.std_error;
  t.df = (qa + qb) * (qa + qb) /
         (qa * qa / double(a.size() - 1) + qb * qb / double(b.size() - 1));
  t.p_value = std::min(1.0, 2.0 * student_t_sf(std::abs(t.t), t.df));
  const double tc = student_t_ppf(0.5 + confidence / 2.0, t.df);
  t.ci_lo = t.estimate - tc * t.std_error;
  t.ci_hi = t.estimate + tc * t.std_error;
  return t;
}

namespace {

void check_planning(double mde, double alpha, double power, double split_b) {
  if (!(mde != 0) || !(alpha > 0 && alpha < 1) || !(power > 0 && power < 1) ||
      !(split_b > 0 && split_b < 1)) {
    throw Error(ErrorKind::Config,
                "sample size needs mde != 0, alpha and power in (0, 1), split_b in (0, 1)",
                "abtest.online", "check mde, power, alpha and split_b");
  }
}

// Standard errors of the difference per unit of total sample, under H0 and H1.
void proportion_spreads(double pa, double mde, double f, double& s0, double& s1) {
  const double pb = pa + mde;
  const double pooled = (1 - f) * pa + f * pb;
  s0 = std::sqrt(pooled * (1 - pooled) * (1.0 / (1 - f) + 1.0 / f));
  s1 = std::sqrt(pa * (1 - pa) / (1 - f) + pb * (1 - pb) / f);
}

}  // namespace

int64_t sample_size_two_proportions(double pa, double mde, double alpha, double power, double f) {
  check_planning(mde, alpha, power, f);
  if (!(pa > 0 && pa < 1) || !(pa + mde > 0 && pa + mde < 1)) {
    throw Error(ErrorKind::Config, "baseline rate and baseline + mde must lie in (0, 1)",
                "abtest.online", "check the baseline rate and mde");
  }
  double s0, s1;
  proportion_spreads(pa, mde, f, s0, s1);
  const double za = normal_ppf(1 - alpha / 2), zb = normal_ppf(power);
  const double root = (za * s0 + zb * s1) / std::abs(mde);
  return int64_t(std::ceil(root * root));
}

double power_two_proportions(double pa, double mde, double alpha, double n, double f) {
  double s0, s1;
  proportion_spreads(pa, mde, f, s0, s1);
  const double za = normal_ppf(1 - alpha / 2);
  return normal_cdf((std::abs(mde) * std::sqrt(n) - za * s0) / s1);
}

int64_t sample_size_two_means(double sd, double mde, double alpha, double power, double f) {
  check_planning(mde, alpha, power, f);
  if (!(sd > 0)) {
    throw Error(ErrorKind::Data, "the outcome's standard deviation is 0", "abtest.online",
                "a constant outcome cannot show a difference");
  }
  const double za = normal_ppf(1 - alpha / 2), zb = normal_ppf(power);
  const double spread = sd * std::sqrt(1.0 / (1 - f) + 1.0 / f);
  const double root = (za + zb) * spread / std::abs(mde);
  return int64_t(std::ceil(root * root));
}

double power_two_means(double sd, double mde, double alpha, double n, double f) {
  const double za = normal_ppf(1 - alpha / 2);
  const double spread = sd * std::sqrt(1.0 / (1 - f) + 1.0 / f);
  return normal_cdf(std::abs(mde) * std::sqrt(n) / spread - za);
}

}  // namespace storefuse::abtest
