#include "storefuse/metrics/statistics.h"

#include "storefuse/core/error.h"

namespace storefuse::metrics {

const std::vector<Statistic>& statistics() {
  using D = Direction;
  static const std::vector<Statistic> rows = {
      {"accuracy", "share of samples whose top class is the label", D::HigherIsBetter,
       [](const Report& r) { return r.accuracy; }, "mcnemar_exact", true, false},
      {"macro_f1", "unweighted mean of the per-class F1 scores", D::HigherIsBetter,
       [](const Report& r) { return r.macro_f1; }, "bootstrap", true, false},
      {"top2_accuracy", "share of samples whose label is among the top two classes", D::HigherIsBetter,
       [](const Report& r) { return r.top2_accuracy; }, "", false, true},
      {"dwell_mae_s", "mean absolute error of the dwell time, seconds", D::LowerIsBetter,
       [](const Report& r) { return r.dwell_mae_s; }, "wilcoxon_signed_rank", true, false},
      {"dwell_rmse_s", "root mean squared error of the dwell time, seconds", D::LowerIsBetter,
       [](const Report& r) { return r.dwell_rmse_s; }, "", false, false},
      {"engagement_pearson", "Pearson r of the engagement score with the label", D::HigherIsBetter,
       [](const Report& r) { return r.engagement_pearson; }, "bootstrap", true, false},
      {"engagement_spearman", "Spearman rho of the engagement score with the label", D::HigherIsBetter,
       [](const Report& r) { return r.engagement_spearman; }, "", false, false},
      {"engagement_mae", "mean absolute error of the engagement score", D::LowerIsBetter,
       [](const Report& r) { return r.engagement_mae; }, "", false, false},
      {"ece", "expected calibration error of the top-class confidence", D::LowerIsBetter,
       [](const Report& r) { return r.ece; }, "bootstrap", false, true},
  };
  return rows;
}

const Statistic& statistic(const std::string& name) {
  std::string known;
  for (const Statistic& s : statistics()) {
    if (s.name == name) return s;
    known += (known.empty() ? "" : ", ") + s.name;
  }
  throw Error(ErrorKind::Config, "unknown statistic '" + name + "'", "metrics::statistic",
              "use one of " + known);
}

std::vector<std::string> compared_statistic_names() {
  std::vector<std::string> names;
  for (const Statistic& s : statistics()) {
    if (!s.paired_test.empty()) names.push_back(s.name);
  }
  return names;
}

std::vector<std::string> primary_statistic_names() {
  std::vector<std::string> names;
  for (const Statistic& s : statistics()) {
    if (s.primary) names.push_back(s.name);
  }
  return names;
}

}  // namespace storefuse::metrics
