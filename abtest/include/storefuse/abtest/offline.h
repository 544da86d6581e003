// The offline, paired comparison: both models scored on the same labelled
// samples, every difference with a paired bootstrap interval and, where one
// exists, an exact or rank test.
//
//   OfflineResult r = compare_offline(align(pred_a, pred_b, labels), settings);
//   for (auto& m : r.metrics) std::cout << m.name << " " << m.diff << "\n";
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storefuse/abtest/bootstrap.h"
#include "storefuse/abtest/inputs.h"
#include "storefuse/abtest/models.h"
#include "storefuse/abtest/nonparametric.h"
#include "storefuse/abtest/settings.h"
#include "storefuse/metrics/feature_summary.h"
#include "storefuse/metrics/metrics.h"

namespace storefuse::abtest {

struct MetricComparison {
  std::string name;          // accuracy, macro_f1, dwell_mae_s, engagement_pearson, ece
  bool higher_is_better = true;
  double a = 0, b = 0, diff = 0;  // diff = b - a
  BootstrapResult bootstrap;      // of b - a
  std::string test;               // "mcnemar_exact", "wilcoxon_signed_rank", "bootstrap"
  double p_value = 1;
};

struct SliceComparison {
  std::string column, value;  // store_id = s3
  int64_t n = 0;
  double a = 0, b = 0, diff = 0;  // primary metric, diff = b - a
  bool tested = false;            // false below min_slice_samples
  Interval interval;              // of diff, by the rule's interval method
  std::string test;
  double p_value = NAN, p_holm = NAN;  // Holm across every tested slice
};

struct ReliabilityBin {
  double lo = 0, hi = 0;
  int64_t count = 0;
  double mean_confidence = 0, accuracy = 0;
};

struct LatencySummary {
  int64_t n = 0;
  double a_p50 = 0, a_p95 = 0, a_p99 = 0, b_p50 = 0, b_p95 = 0, b_p99 = 0;
  double p99_regression = 0;  // b_p99 / a_p99 - 1
  std::vector<double> a_quantiles, b_quantiles;  // 0%, 1%, ... 100%, for the CDF chart
};

// Drift of the evaluation set from one model's training data.
struct ModelDrift {
  std::string model;            // the display name
  bool available = false;       // false: the model carries no feature summary
  std::string source;           // where the summary came from
  metrics::DriftReport report;
};

struct OfflineResult {
  int64_t n = 0;
  std::vector<std::string> class_names;
  metrics::Report report_a, report_b;
  bool a_has_probs = true, b_has_probs = true;
  std::vector<MetricComparison> metrics;
  McNemarTest mcnemar;
  WilcoxonTest wilcoxon;  // on |err_b| - |err_a| of dwell_s
  std::vector<SliceComparison> slices;
  std::vector<std::string> notes;  // e.g. a configured slice column that is absent
  std::vector<ReliabilityBin> reliability_a, reliability_b;
  std::optional<LatencySummary> latency;
  std::optional<Operational> operational;  // model inputs: latency source, size, memory
  std::vector<ModelDrift> drift;           // model inputs: one per model

  const MetricComparison* find(const std::string& name) const;
};

OfflineResult compare_offline(const PairedData& data, const Settings& settings);

// The interval the decision rule asked for; BCa falls back to percentile
// where it is undefined.
Interval chosen_interval(const BootstrapResult& r, const std::string& method);

}  // namespace storefuse::abtest
