// Corrections for testing several hypotheses at once (here: one per slice).
#pragma once

#include <vector>

namespace storefuse::abtest {

// Holm–Bonferroni step-down adjusted p-values (Holm 1979), in input order:
// with p sorted ascending, adj_(i) = max_{j<=i} min(1, (m - j + 1) p_(j)).
// Rejecting where adj < alpha controls the family-wise error rate at alpha
// under any dependence. NaN p-values are left out of m and stay NaN.
std::vector<double> holm_bonferroni(const std::vector<double>& p_values);

}  // namespace storefuse::abtest
