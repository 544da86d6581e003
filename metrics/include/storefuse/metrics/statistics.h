// The table of statistics: every statistic storefuse reports on a model's
// predictions, once, with its direction, how it is read off a
// metrics::Report, and the paired test the A/B tool runs on it.
//
//   const auto& s = metrics::statistic("dwell_mae_s");  // throws for an unknown name
//   double a = s.of(report_a), b = s.of(report_b);
//   bool b_is_better = s.better(b, a);
//
// Adding a statistic: a field of Report computed in evaluate(), one row in
// statistics.cpp, and (when it is compared) its paired difference in
// abtest/src/offline.cpp.
#pragma once

#include <string>
#include <vector>

#include "storefuse/metrics/metrics.h"

namespace storefuse::metrics {

enum class Direction { HigherIsBetter, LowerIsBetter };

struct Statistic {
  std::string name;         // as in reports, configs and JSON: "accuracy", "dwell_mae_s"
  std::string description;  // one line for reports and --help
  Direction direction;
  double (*of)(const Report&);
  // The A/B tool's test of "no difference": "mcnemar_exact",
  // "wilcoxon_signed_rank" or "bootstrap"; empty when not compared.
  std::string paired_test;
  bool primary = false;  // may be an A/B decision's primary metric
  bool needs_probs = false;  // undefined for predictions without probabilities

  bool higher_is_better() const { return direction == Direction::HigherIsBetter; }
  bool better(double x, double than) const { return higher_is_better() ? x > than : x < than; }
};

// Every statistic, in report order.
const std::vector<Statistic>& statistics();
// The row named `name`; Error(Config) listing the known names otherwise.
const Statistic& statistic(const std::string& name);
// The names of the rows with `paired_test` set (compared by the A/B tool),
// and of those that may be primary.
std::vector<std::string> compared_statistic_names();
std::vector<std::string> primary_statistic_names();

}  // namespace storefuse::metrics
