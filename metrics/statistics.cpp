#include "storefuse/metrics/statistics.h"

#include <cmath>

#include "storefuse/core/error.h"

namespace storefuse::metrics {

namespace {

// Same rule as metrics::macro_f1: classes with no true, predicted or missed
// sample are left out of the average.
double macro_f1_from_counts(const double* tp, const double* fp, const double* fn, size_t c) {
  double sum = 0;
  int used = 0;
  for (size_t k = 0; k < c; ++k) {
    const double denom = 2 * tp[k] + fp[k] + fn[k];
    if (denom > 0) {
      sum += 2 * tp[k] / denom;
      ++used;
    }
  }
  return used ? sum / used : 0.0;
}

// Columns: A's value, B's value per sample; B - A of their means.
template <class PerSample>
SumStatistic mean_difference(const std::vector<size_t>& rows, PerSample value) {
  SumStatistic s(2, [](const double* v, double w) { return (v[1] - v[0]) / w; });
  for (size_t i : rows) {
    s.new_sample();
    s.add(0, value(0, i));
    s.add(1, value(1, i));
  }
  return s;
}

SumStatistic accuracy_difference(const PairedPredictions& p, const std::vector<size_t>& rows) {
  return mean_difference(rows, [&](int m, size_t i) {
    return double((m == 0 ? p.top_a : p.top_b).pred[i] == p.targets.behavior[i]);
  });
}

SumStatistic dwell_mae_difference(const PairedPredictions& p, const std::vector<size_t>& rows) {
  return mean_difference(rows, [&](int m, size_t i) {
    return std::abs(double((m == 0 ? p.a : p.b).dwell_s[i]) - p.targets.dwell_s[i]);
  });
}

SumStatistic macro_f1_difference(const PairedPredictions& p, const std::vector<size_t>& rows) {
  const size_t c = size_t(p.a.n_classes);
  // Columns: [model][tp|fp|fn][class].
  SumStatistic s(6 * c, [c](const double* v, double) {
    return macro_f1_from_counts(v + 3 * c, v + 4 * c, v + 5 * c, c) - macro_f1_from_counts(v, v + c, v + 2 * c, c);
  });
  for (size_t i : rows) {
    s.new_sample();
    const size_t y = size_t(p.targets.behavior[i]);
    for (int m = 0; m < 2; ++m) {
      const size_t pred = size_t((m == 0 ? p.top_a : p.top_b).pred[i]);
      const uint32_t base = uint32_t(3 * c * m);
      if (pred == y) {
        s.add(base + uint32_t(y), 1);
      } else {
        s.add(base + uint32_t(c + pred), 1);
        s.add(base + uint32_t(2 * c + y), 1);
      }
    }
  }
  return s;
}

SumStatistic engagement_pearson_difference(const PairedPredictions& p, const std::vector<size_t>& rows) {
  // Columns: sum t, t², a, a², t·a, b, b², t·b.
  SumStatistic s(8, [](const double* v, double w) {
    return pearson_from_sums(w, v[0], v[5], v[1], v[6], v[7]) - pearson_from_sums(w, v[0], v[2], v[1], v[3], v[4]);
  });
  for (size_t i : rows) {
    const double y = p.targets.engagement[i], ea = p.a.engagement[i], eb = p.b.engagement[i];
    s.new_sample();
    s.add(0, y);
    s.add(1, y * y);
    s.add(2, ea);
    s.add(3, ea * ea);
    s.add(4, y * ea);
    s.add(5, eb);
    s.add(6, eb * eb);
    s.add(7, y * eb);
  }
  return s;
}

SumStatistic ece_difference(const PairedPredictions& p, const std::vector<size_t>& rows) {
  // Columns: [model][confidence sum | correct count][bin]; ECE is the sum over
  // bins of |correct - confidence| / n, as expected_calibration_error.
  const int bins = p.ece_bins;
  SumStatistic s(4 * size_t(bins), [bins](const double* v, double w) {
    double ea = 0, eb = 0;
    for (int k = 0; k < bins; ++k) {
      ea += std::abs(v[bins + k] - v[k]);
      eb += std::abs(v[3 * bins + k] - v[2 * bins + k]);
    }
    return (eb - ea) / w;
  });
  for (size_t i : rows) {
    s.new_sample();
    for (int m = 0; m < 2; ++m) {
      const TopClass& top = m == 0 ? p.top_a : p.top_b;
      const uint32_t base = uint32_t(2 * bins * m);
      const int k = ece_bin(top.confidence[i], bins);
      s.add(base + uint32_t(k), top.confidence[i]);
      s.add(base + uint32_t(bins + k), top.pred[i] == p.targets.behavior[i]);
    }
  }
  return s;
}

}  // namespace

TopClass top_class(const Outputs& o) {
  TopClass t;
  t.pred = argmax_rows(o.probs, o.n_classes);
  for (size_t i = 0; i < t.pred.size(); ++i) t.confidence.push_back(o.probs[i * o.n_classes + t.pred[i]]);
  return t;
}

const std::vector<Statistic>& statistics() {
  using D = Direction;
  static const std::vector<Statistic> rows = {
      {"accuracy", "behaviour accuracy", 4, "share of samples whose top class is the label", D::HigherIsBetter,
       [](const Report& r) { return r.accuracy; }, "mcnemar_exact", true, false, &accuracy_difference},
      {"macro_f1", "behaviour macro-F1", 4, "unweighted mean of the per-class F1 scores", D::HigherIsBetter,
       [](const Report& r) { return r.macro_f1; }, "bootstrap", true, false, &macro_f1_difference},
      {"top2_accuracy", "behaviour top-2 accuracy", 4, "share of samples whose label is among the top two classes", D::HigherIsBetter,
       [](const Report& r) { return r.top2_accuracy; }, "", false, true},
      {"dwell_mae_s", "dwell MAE (s)", 2, "mean absolute error of the dwell time, seconds", D::LowerIsBetter,
       [](const Report& r) { return r.dwell_mae_s; }, "wilcoxon_signed_rank", true, false, &dwell_mae_difference},
      {"dwell_rmse_s", "dwell RMSE (s)", 2, "root mean squared error of the dwell time, seconds", D::LowerIsBetter,
       [](const Report& r) { return r.dwell_rmse_s; }, "", false, false},
      {"engagement_pearson", "engagement Pearson r", 4, "Pearson r of the engagement score with the label", D::HigherIsBetter,
       [](const Report& r) { return r.engagement_pearson; }, "bootstrap", true, false, &engagement_pearson_difference},
      {"engagement_spearman", "engagement Spearman rho", 4, "Spearman rho of the engagement score with the label", D::HigherIsBetter,
       [](const Report& r) { return r.engagement_spearman; }, "", false, false},
      {"engagement_mae", "engagement MAE", 4, "mean absolute error of the engagement score", D::LowerIsBetter,
       [](const Report& r) { return r.engagement_mae; }, "", false, false},
      {"ece", "expected calibration error", 4, "expected calibration error of the top-class confidence", D::LowerIsBetter,
       [](const Report& r) { return r.ece; }, "bootstrap", false, true, &ece_difference},
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
