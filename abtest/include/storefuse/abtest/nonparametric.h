// Exact and rank-based tests for paired comparisons.
//
//   auto m = mcnemar_exact(only_a_right, only_b_right);   // m.p_value
//   auto w = wilcoxon_signed_rank(abs_err_b_minus_abs_err_a);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace storefuse::abtest {

struct BinomialTest {
  int64_t k = 0, n = 0;
  double p = 0.5;
  double statistic = 0;  // k / n
  double p_value = 1;
};

// Two-sided exact binomial test of H0: success probability = p, with
// scipy.stats.binomtest's definition: the probability of outcomes no more
// likely than k (relative tolerance 1e-7).
BinomialTest binomial_test(int64_t k, int64_t n, double p = 0.5);

struct McNemarTest {
  int64_t only_a_correct = 0, only_b_correct = 0;  // the discordant pairs
  double p_value = 1;
};

// McNemar's exact test: under H0 a discordant pair goes either way with
// probability 1/2, so only_b_correct ~ Binomial(discordant, 1/2).
McNemarTest mcnemar_exact(int64_t only_a_correct, int64_t only_b_correct);

struct WilcoxonTest {
  double statistic = 0;  // min(R+, R-), as scipy's two-sided statistic
  double r_plus = 0, r_minus = 0;
  double z = 0;          // the normal approximation's z (0 for the exact method)
  double p_value = 1;
  int64_t n_used = 0;    // non-zero differences
  int64_t n_zero = 0;    // zero differences, dropped ('wilcox' zero method)
  bool has_ties = false;
  std::string method;    // "exact" or "approx"
};

// Wilcoxon signed-rank test of H0: the differences are symmetric about 0,
// two-sided, zero_method 'wilcox' (zeros dropped), no continuity correction.
// Exact null distribution when there are at most 50 differences, no zeros and
// no ties; otherwise the normal approximation with the tie correction of the
// variance. This is scipy.stats.wilcoxon(d, method='auto') of scipy >= 1.13;
// scipy 1.10's 'auto' also takes the exact path with ties, which is wrong.
WilcoxonTest wilcoxon_signed_rank(const std::vector<double>& differences);

}  // namespace storefuse::abtest
