#include "storefuse/abtest/multiple_testing.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace storefuse::abtest {

std::vector<double> holm_bonferroni(const std::vector<double>& p) {
  std::vector<size_t> order;
  for (size_t i = 0; i < p.size(); ++i) {
    if (!std::isnan(p[i])) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) { return p[i] < p[j]; });
  std::vector<double> adjusted(p.size(), NAN);
  const double m = double(order.size());
  double running = 0;
  for (size_t rank = 0; rank < order.size(); ++rank) {
    running = std::max(running, std::min(1.0, (m - double(rank)) * p[order[rank]]));
    adjusted[order[rank]] = running;
  }
  return adjusted;
}

}  // namespace storefuse::abtest
