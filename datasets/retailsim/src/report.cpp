#include "storefuse/retailsim/report.h"

#include <algorithm>
#include <cmath>

#include "storefuse/datasets/feature_spec.h"
#include "storefuse/metrics/metrics.h"

namespace storefuse::retailsim {

void RegressionStats::add(double p, double t) {
  ++n;
  sum_abs += std::fabs(p - t);
  sx += p;
  sy += t;
  sxx += p * p;
  syy += t * t;
  sxy += p * t;
}

void RegressionStats::merge(const RegressionStats& o) {
  n += o.n;
  sum_abs += o.sum_abs;
  sx += o.sx;
  sy += o.sy;
  sxx += o.sxx;
  syy += o.syy;
  sxy += o.sxy;
}

double RegressionStats::mae() const { return n ? sum_abs / n : 0.0; }

double RegressionStats::correlation() const { return metrics::pearson_from_sums(double(n), sx, sy, sxx, syy, sxy); }

void SplitReport::add(const Visit& v) {
  ++rows;
  ++label_counts[v.label];
  ++missing_counts[v.missing < 0 ? 4 : v.missing];
  oracle_correct += static_cast<int>(v.behavior) == v.label;
  oracle_dwell.add(v.dwell_clean_s, v.dwell_s);
  oracle_engagement.add(v.engagement_clean, v.engagement);
  dwell_s.push_back(static_cast<float>(v.dwell_s));
}

void SplitReport::merge(const SplitReport& o) {
  rows += o.rows;
  for (int c = 0; c < kNumBehaviors; ++c) label_counts[c] += o.label_counts[c];
  for (int m = 0; m < 5; ++m) missing_counts[m] += o.missing_counts[m];
  oracle_correct += o.oracle_correct;
  oracle_dwell.merge(o.oracle_dwell);
  oracle_engagement.merge(o.oracle_engagement);
  dwell_s.insert(dwell_s.end(), o.dwell_s.begin(), o.dwell_s.end());
}

double SplitReport::dwell_quantile(double q) const {
  if (dwell_s.empty()) return 0.0;
  std::vector<float> d = dwell_s;
  size_t k = std::min(d.size() - 1, static_cast<size_t>(q * d.size()));
  std::nth_element(d.begin(), d.begin() + k, d.end());
  return d[k];
}

json SplitReport::to_json() const {
  json classes = json::object();
  for (int c = 0; c < kNumBehaviors; ++c) classes[behavior_names()[c]] = label_counts[c];
  json missing = json::object();
  for (auto m : datasets::kModalities) missing[datasets::to_string(m)] = missing_counts[static_cast<int>(m)];
  return json{{"rows", rows},
              {"label_counts", classes},
              {"missing_counts", missing},
              {"missing_rate", missing_rate()},
              {"dwell_s", {{"min", dwell_quantile(0)}, {"p50", dwell_quantile(0.5)},
                           {"p90", dwell_quantile(0.9)}, {"p99", dwell_quantile(0.99)}, {"max", dwell_quantile(1)}}},
              {"oracle", {{"accuracy", oracle_accuracy()},
                          {"dwell_mae_s", oracle_dwell.mae()}, {"dwell_corr", oracle_dwell.correlation()},
                          {"engagement_mae", oracle_engagement.mae()},
                          {"engagement_corr", oracle_engagement.correlation()}}}};
}

json GenerateReport::to_json() const {
  json j = {{"seconds", seconds}, {"label_noise", label_noise},
            {"accuracy_ceiling", 1.0 - label_noise}};
  for (Split s : kSplits) j[to_string(s)] = splits[static_cast<int>(s)].to_json();
  return j;
}

}  // namespace storefuse::retailsim
