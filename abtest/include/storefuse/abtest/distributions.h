// The probability distributions behind the tests' p-values, in double
// precision (agreeing with scipy.stats to ~1e-12 on the ranges the tests use).
#pragma once

#include <cstdint>

namespace storefuse::abtest {

double normal_cdf(double x);
double normal_sf(double x);   // 1 - cdf, accurate in the upper tail
double normal_ppf(double p);  // inverse cdf (Wichura's AS 241), p in (0, 1)

// Regularized incomplete beta I_x(a, b) and gamma P(a, x), Q(a, x) = 1 - P.
double incomplete_beta(double a, double b, double x);
double incomplete_gamma_p(double a, double x);
double incomplete_gamma_q(double a, double x);

double student_t_sf(double t, double df);  // P(T > t)
double chi2_sf(double x, double df);       // P(X > x)

double binomial_pmf(int64_t k, int64_t n, double p);
double binomial_cdf(int64_t k, int64_t n, double p);  // P(X <= k)
double binomial_sf(int64_t k, int64_t n, double p);   // P(X > k)

}  // namespace storefuse::abtest
