// Large-sample tests for the online experiment (independent groups of
// customers), the sample-ratio-mismatch check, and sample-size planning.
//
//   auto srm = chi_square_goodness_of_fit({n_a, n_b}, {0.5, 0.5});
//   auto z = two_proportion_z_test(conv_a, n_a, conv_b, n_b);
//   auto t = welch_t_test(outcomes_a, outcomes_b);
//   int64_t n = sample_size_two_proportions(0.10, 0.02, 0.05, 0.8, 0.5);
#pragma once

#include <cstdint>
#include <vector>

namespace storefuse::abtest {

struct ChiSquareTest {
  double statistic = 0;
  double df = 0;
  double p_value = 1;
  std::vector<double> expected;
};

// Pearson's chi-square goodness of fit of counts to the expected shares
// (normalised to sum 1); scipy.stats.chisquare(observed, expected counts).
ChiSquareTest chi_square_goodness_of_fit(const std::vector<double>& observed,
                                         const std::vector<double>& expected_shares);

struct ZTest {
  double estimate = 0;  // p_b - p_a
  double std_error = 0;  // unpooled, for the interval
  double z = 0;          // with the pooled standard error under H0
  double p_value = 1;    // two-sided
  double ci_lo = 0, ci_hi = 0;  // Wald interval at the given confidence
};

// Two-sided z-test of H0: p_a = p_b for independent binomial samples.
ZTest two_proportion_z_test(int64_t successes_a, int64_t n_a, int64_t successes_b, int64_t n_b,
                            double confidence = 0.95);

struct WelchTest {
  double mean_a = 0, mean_b = 0;
  double estimate = 0;  // mean_b - mean_a
  double std_error = 0;
  double t = 0;         // (mean_a - mean_b) / se, as scipy.stats.ttest_ind(a, b)
  double df = 0;        // Welch–Satterthwaite
  double p_value = 1;   // two-sided
  double ci_lo = 0, ci_hi = 0;  // of mean_b - mean_a
};

// Welch's unequal-variances t-test; scipy.stats.ttest_ind(a, b, equal_var=False).
WelchTest welch_t_test(const std::vector<double>& a, const std::vector<double>& b,
                       double confidence = 0.95);

// Student t quantile, by bisection on the survival function.
double student_t_ppf(double p, double df);

// Total sample size (both groups) for a two-sided test at level alpha to
// detect an absolute difference `mde` with the given power, when a share
// `split_b` of the units goes to B. Proportions: baseline rate p_a, with the
// variance under H0 at the pooled rate (Fleiss, without continuity
// correction). Means: a common standard deviation.
int64_t sample_size_two_proportions(double p_a, double mde, double alpha, double power,
                                    double split_b);
int64_t sample_size_two_means(double sd, double mde, double alpha, double power, double split_b);

// The power those formulas solve for, at a total sample size n.
double power_two_proportions(double p_a, double mde, double alpha, double n, double split_b);
double power_two_means(double sd, double mde, double alpha, double n, double split_b);

}  // namespace storefuse::abtest
