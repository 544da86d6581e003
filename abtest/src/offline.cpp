#include "storefuse/abtest/offline.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "storefuse/abtest/multiple_testing.h"
#include "storefuse/core/error.h"
#include "storefuse/metrics/statistics.h"

namespace storefuse::abtest {

namespace {

using Paired = metrics::PairedPredictions;

McNemarTest mcnemar_over(const Paired& p, const std::vector<size_t>& rows) {
  int64_t only_a = 0, only_b = 0;
  for (size_t i : rows) {
    const bool ra = p.top_a.pred[i] == p.targets.behavior[i], rb = p.top_b.pred[i] == p.targets.behavior[i];
    only_a += ra && !rb;
    only_b += rb && !ra;
  }
  return mcnemar_exact(only_a, only_b);
}

WilcoxonTest wilcoxon_over(const Paired& p, const std::vector<size_t>& rows) {
  std::vector<double> diff;
  for (size_t i : rows) {
    const double y = p.targets.dwell_s[i];
    diff.push_back(std::abs(double(p.b.dwell_s[i]) - y) - std::abs(double(p.a.dwell_s[i]) - y));
  }
  return wilcoxon_signed_rank(diff);
}

// The test of "no difference" that goes with each metric.
// (metrics::statistic(name).paired_test says which.)
std::pair<std::string, double> test_for(const std::string& name, const Paired& p,
                                        const std::vector<size_t>& rows, const BootstrapResult& boot) {
  const std::string& test = metrics::statistic(name).paired_test;
  if (test == "mcnemar_exact") return {test, mcnemar_over(p, rows).p_value};
  if (test == "wilcoxon_signed_rank") return {test, wilcoxon_over(p, rows).p_value};
  if (test == "bootstrap") return {test, bootstrap_p_value(boot.replicates)};
  throw Error(ErrorKind::Runtime, "statistic '" + name + "' has no paired test '" + test + "'", "abtest::test_for");
}

double metric_of(const metrics::Report& r, const std::string& name) { return metrics::statistic(name).of(r); }

std::vector<ReliabilityBin> reliability(const metrics::TopClass& top, const std::vector<int64_t>& labels, int bins) {
  std::vector<ReliabilityBin> out(static_cast<size_t>(bins));
  std::vector<double> conf(size_t(bins), 0.0), correct(size_t(bins), 0.0);
  for (size_t i = 0; i < labels.size(); ++i) {
    const int k = metrics::ece_bin(top.confidence[i], bins);
    out[k].count += 1;
    conf[k] += top.confidence[i];
    correct[k] += top.pred[i] == labels[i];
  }
  for (int k = 0; k < bins; ++k) {
    out[k].lo = double(k) / bins;
    out[k].hi = double(k + 1) / bins;
    if (out[k].count) {
      out[k].mean_confidence = conf[k] / double(out[k].count);
      out[k].accuracy = correct[k] / double(out[k].count);
    }
  }
  return out;
}

LatencySummary latency_summary(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  LatencySummary l;
  l.n = int64_t(a.size());
  l.a_p50 = quantile_sorted(a, 0.50);
  l.a_p95 = quantile_sorted(a, 0.95);
  l.a_p99 = quantile_sorted(a, 0.99);
  l.b_p50 = quantile_sorted(b, 0.50);
  l.b_p95 = quantile_sorted(b, 0.95);
  l.b_p99 = quantile_sorted(b, 0.99);
  l.p99_regression = l.a_p99 > 0 ? l.b_p99 / l.a_p99 - 1.0 : NAN;
  for (int q = 0; q <= 100; ++q) {
    l.a_quantiles.push_back(quantile_sorted(a, q / 100.0));
    l.b_quantiles.push_back(quantile_sorted(b, q / 100.0));
  }
  return l;
}

metrics::Outputs subset(const metrics::Outputs& o, const std::vector<size_t>& rows) {
  metrics::Outputs s{{}, o.n_classes, {}, {}};
  const size_t c = size_t(o.n_classes);
  for (size_t i : rows) {
    s.probs.insert(s.probs.end(), o.probs.begin() + i * c, o.probs.begin() + (i + 1) * c);
    s.dwell_s.push_back(o.dwell_s[i]);
    s.engagement.push_back(o.engagement[i]);
  }
  return s;
}

metrics::Targets subset(const metrics::Targets& t, const std::vector<size_t>& rows) {
  metrics::Targets s;
  for (size_t i : rows) {
    s.behavior.push_back(t.behavior[i]);
    s.dwell_s.push_back(t.dwell_s[i]);
    s.engagement.push_back(t.engagement[i]);
  }
  return s;
}

}  // namespace

const MetricComparison* OfflineResult::find(const std::string& name) const {
  for (const auto& m : metrics) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

Interval chosen_interval(const BootstrapResult& r, const std::string& method) {
  return method == "bca" ? r.bca.interval : r.percentile;
}

OfflineResult compare_offline(const PairedData& d, const Settings& s) {
  if (d.size() < 2) {
    throw Error(ErrorKind::Data, "need at least 2 labelled samples to compare", d.source_labels);
  }
  metrics::Options mopt;
  mopt.ece_bins = s.ece_bins;
  OfflineResult r;
  r.n = int64_t(d.size());
  r.class_names = d.class_names;
  r.report_a = metrics::evaluate(d.a, d.targets, mopt);
  r.report_b = metrics::evaluate(d.b, d.targets, mopt);
  r.a_has_probs = d.a_has_probs;
  r.b_has_probs = d.b_has_probs;

  const Paired p{d.a, d.b, d.targets, metrics::top_class(d.a), metrics::top_class(d.b), s.ece_bins};
  std::vector<size_t> all(d.size());
  std::iota(all.begin(), all.end(), 0);
  BootstrapOptions bopt{s.resamples, 1.0 - s.decision.alpha, s.seed};

  std::vector<std::string> names;
  for (const auto& name : metrics::compared_statistic_names()) {
    if (metrics::statistic(name).needs_probs && !(d.a_has_probs && d.b_has_probs)) continue;
    names.push_back(name);
  }
  if (!(d.a_has_probs && d.b_has_probs)) {
    r.notes.push_back("ECE and reliability are left out: a prediction file has a class but no probabilities");
  }
  for (const auto& name : names) {
    MetricComparison m;
    m.name = name;
    m.higher_is_better = higher_is_better(name);
    m.a = metric_of(r.report_a, name);
    m.b = metric_of(r.report_b, name);
    m.diff = m.b - m.a;
    m.bootstrap = paired_bootstrap(metrics::statistic(name).paired_difference(p, all), bopt);
    std::tie(m.test, m.p_value) = test_for(name, p, all, m.bootstrap);
    r.metrics.push_back(std::move(m));
  }
  r.mcnemar = mcnemar_over(p, all);
  r.wilcoxon = wilcoxon_over(p, all);
  if (d.a_has_probs && d.b_has_probs) {
    r.reliability_a = reliability(p.top_a, d.targets.behavior, s.ece_bins);
    r.reliability_b = reliability(p.top_b, d.targets.behavior, s.ece_bins);
  }

  const std::string& primary = s.decision.primary_metric;
  for (const auto& column : s.slices) {
    auto it = d.slices.find(column);
    if (it == d.slices.end()) {
      r.notes.push_back("slice column '" + column + "' is not in the labels; not sliced by it");
      continue;
    }
    std::map<std::string, std::vector<size_t>> groups;
    for (size_t i = 0; i < it->second.size(); ++i) groups[it->second[i]].push_back(i);
    for (const auto& [value, rows] : groups) {
      SliceComparison sc;
      sc.column = column;
      sc.value = value;
      sc.n = int64_t(rows.size());
      const SumStatistic stat = metrics::statistic(primary).paired_difference(p, rows);
      sc.diff = stat.evaluate();
      const metrics::Targets tt = subset(d.targets, rows);
      sc.a = metric_of(metrics::evaluate(subset(d.a, rows), tt, mopt), primary);
      sc.b = metric_of(metrics::evaluate(subset(d.b, rows), tt, mopt), primary);
      if (sc.n >= s.min_slice_samples) {
        const BootstrapResult boot = paired_bootstrap(stat, bopt);
        sc.tested = true;
        sc.interval = chosen_interval(boot, s.decision.interval);
        std::tie(sc.test, sc.p_value) = test_for(primary, p, rows, boot);
      }
      r.slices.push_back(std::move(sc));
    }
  }
  std::vector<double> ps;
  for (const auto& sc : r.slices) ps.push_back(sc.p_value);
  const auto adjusted = holm_bonferroni(ps);
  for (size_t i = 0; i < r.slices.size(); ++i) r.slices[i].p_holm = adjusted[i];

  if (!d.latency_a_ms.empty()) r.latency = latency_summary(d.latency_a_ms, d.latency_b_ms);
  return r;
}

}  // namespace storefuse::abtest
