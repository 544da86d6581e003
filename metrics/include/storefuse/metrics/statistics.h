// The table of statistics: every statistic storefuse reports on a model's
// predictions, once, with its direction, how it is read off a
// metrics::Report, and the paired test the A/B tool runs on it.
//
//   const auto& s = metrics::statistic("dwell_mae_s");  // throws for an unknown name
//   double a = s.of(report_a), b = s.of(report_b);
//   bool b_is_better = s.better(b, a);
//
// Adding a statistic: a field of Report computed in evaluate(), and one row
// in statistics.cpp with its functions (the value, and for the A/B
// comparison the paired difference as column sums). eval, validation, early
// stopping and abtest read the table.
#pragma once

#include <string>
#include <vector>

#include "storefuse/metrics/metrics.h"
#include "storefuse/metrics/sum_statistic.h"

namespace storefuse::metrics {

enum class Direction { HigherIsBetter, LowerIsBetter };

// The top class and its probability, per sample.
struct TopClass {
  std::vector<int64_t> pred;
  std::vector<double> confidence;
};
TopClass top_class(const Outputs& o);

// Two models' predictions on the same samples (row i of a, b and targets is
// one sample), for a paired difference.
struct PairedPredictions {
  const Outputs& a;
  const Outputs& b;
  const Targets& targets;
  TopClass top_a, top_b;
  int ece_bins = 15;
};

struct Statistic {
  std::string name;         // as in reports, configs and JSON: "accuracy", "dwell_mae_s"
  std::string label;        // as printed: "behaviour accuracy", "dwell MAE (s)"
  int decimals;             // as printed
  std::string description;  // one line for reports and --help
  Direction direction;
  double (*of)(const Report&);
  // The A/B tool's test of "no difference": "mcnemar_exact",
  // "wilcoxon_signed_rank" or "bootstrap"; empty when not compared.
  std::string paired_test;
  bool primary = false;  // may be an A/B decision's primary metric
  bool needs_probs = false;  // undefined for predictions without probabilities
  // B - A over `rows`, as a function of per-sample column sums (what the A/B
  // tool's paired bootstrap resamples); set exactly when paired_test is.
  SumStatistic (*paired_difference)(const PairedPredictions& p, const std::vector<size_t>& rows) = nullptr;

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
