#include "storefuse/metrics/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "storefuse/core/error.h"

namespace storefuse::metrics {

void softmax_rows(std::vector<float>& v, int64_t c) {
  for (size_t row = 0; row + c <= v.size(); row += c) {
    float* x = v.data() + row;
    float m = *std::max_element(x, x + c);
    double sum = 0;
    for (int64_t j = 0; j < c; ++j) sum += (x[j] = std::exp(x[j] - m));
    for (int64_t j = 0; j < c; ++j) x[j] = float(x[j] / sum);
  }
}

std::vector<int64_t> argmax_rows(const std::vector<float>& p, int64_t c) {
  std::vector<int64_t> out;
  for (size_t row = 0; row + c <= p.size(); row += c) {
    out.push_back(std::max_element(p.begin() + row, p.begin() + row + c) - (p.begin() + row));
  }
  return out;
}

namespace {

// r from the centred sums: the degenerate rule lives here alone.
double correlation(double n, double sab, double saa, double sbb) {
  if (!(n >= 2) || !(saa > 0) || !(sbb > 0)) return NAN;
  return std::clamp(sab / std::sqrt(saa * sbb), -1.0, 1.0);
}

}  // namespace

double pearson_from_sums(double w, double sx, double sy, double sxx, double syy, double sxy) {
  if (!(w > 0)) return NAN;
  return correlation(w, sxy - sx * sy / w, sxx - sx * sx / w, syy - sy * sy / w);
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) {
    throw Error(ErrorKind::Runtime, "pearson of " + std::to_string(a.size()) + " against " +
                                        std::to_string(b.size()) + " values", "metrics::pearson");
  }
  size_t n = a.size();
  if (n < 2) return NAN;
  double ma = std::accumulate(a.begin(), a.end(), 0.0) / n;
  double mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return correlation(double(n), sab, saa, sbb);
}

std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t i, size_t j) { return v[i] < v[j]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    double avg = (double(i) + double(j)) / 2.0 + 1.0;  // ties share their mean rank
    for (size_t k = i; k <= j; ++k) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  return pearson(ranks(a), ranks(b));
}

int ece_bin(double confidence, int bins) {
  return std::clamp(int(std::ceil(confidence * bins)) - 1, 0, bins - 1);
}

double expected_calibration_error(const std::vector<float>& probs, int64_t c,
                                  const std::vector<int64_t>& labels, int bins) {
  std::vector<double> conf_sum(bins, 0.0), correct(bins, 0.0), count(bins, 0.0);
  for (size_t i = 0; i < labels.size(); ++i) {
    const float* p = probs.data() + i * c;
    int64_t pred = std::max_element(p, p + c) - p;
    double conf = p[pred];
    const int b = ece_bin(conf, bins);
    conf_sum[b] += conf;
    correct[b] += pred == labels[i] ? 1.0 : 0.0;
    count[b] += 1.0;
  }
  double ece = 0;
  for (int b = 0; b < bins; ++b) {
    if (count[b] > 0) ece += std::abs(correct[b] - conf_sum[b]) / double(labels.size());
  }
  return ece;
}

double macro_f1(const std::vector<int64_t>& pred, const std::vector<int64_t>& labels,
                int64_t c, std::vector<ClassStats>* per_class) {
  std::vector<double> tp(c, 0), fp(c, 0), fn(c, 0);
  for (size_t i = 0; i < labels.size(); ++i) {
    if (pred[i] == labels[i]) {
      tp[labels[i]] += 1;
    } else {
      fp[pred[i]] += 1;
      fn[labels[i]] += 1;
    }
  }
  // Classes absent from both labels and predictions are left out of the
  // macro average, as their F1 is undefined.
  double sum = 0;
  int64_t used = 0;
  std::vector<ClassStats> stats(c);
  for (int64_t k = 0; k < c; ++k) {
    ClassStats& s = stats[k];
    s.support = int64_t(tp[k] + fn[k]);
    s.precision = tp[k] + fp[k] > 0 ? tp[k] / (tp[k] + fp[k]) : 0.0;
    s.recall = tp[k] + fn[k] > 0 ? tp[k] / (tp[k] + fn[k]) : 0.0;
    s.f1 = 2 * tp[k] + fp[k] + fn[k] > 0 ? 2 * tp[k] / (2 * tp[k] + fp[k] + fn[k]) : 0.0;
    if (tp[k] + fp[k] + fn[k] > 0) {
      sum += s.f1;
      ++used;
    }
  }
  if (per_class) *per_class = stats;
  return used ? sum / double(used) : 0.0;
}

Report evaluate(const Outputs& out, const Targets& t, const Options& opt) {
  const int64_t n = int64_t(t.behavior.size()), c = out.n_classes;
  auto check = [&](size_t got, size_t want, const char* what) {
    if (got != want) {
      throw Error(ErrorKind::Data, std::string(what) + " has " + std::to_string(got) +
                                       " values, expected " + std::to_string(want),
                  "metrics::evaluate", "pass one prediction per labelled sample");
    }
  };
  if (c < 2) throw Error(ErrorKind::Data, "need at least 2 classes", "metrics::evaluate");
  check(out.probs.size(), size_t(n * c), "probabilities");
  check(out.dwell_s.size(), size_t(n), "dwell predictions");
  check(out.engagement.size(), size_t(n), "engagement predictions");
  check(t.dwell_s.size(), size_t(n), "dwell targets");
  check(t.engagement.size(), size_t(n), "engagement targets");
  for (int64_t i = 0; i < n; ++i) {
    if (t.behavior[i] < 0 || t.behavior[i] >= c) {
      throw Error(ErrorKind::Data, "behaviour label " + std::to_string(t.behavior[i]) +
                                       " out of range [0, " + std::to_string(c) + ")",
                  "sample #" + std::to_string(i), "the model and the data use different classes");
    }
  }
  Report r;
  r.n = n;
  if (n == 0) return r;
  auto pred = argmax_rows(out.probs, c);
  r.confusion.assign(c, std::vector<int64_t>(c, 0));
  int64_t correct = 0, top2 = 0;
  for (int64_t i = 0; i < n; ++i) {
    r.confusion[t.behavior[i]][pred[i]] += 1;
    correct += pred[i] == t.behavior[i];
    const float* p = out.probs.data() + i * c;
    float mine = p[t.behavior[i]];
    int64_t above = 0;
    for (int64_t k = 0; k < c; ++k) above += p[k] > mine;
    top2 += above < 2;
  }
  r.accuracy = double(correct) / n;
  r.top2_accuracy = double(top2) / n;
  r.macro_f1 = macro_f1(pred, t.behavior, c, &r.per_class);
  r.ece = expected_calibration_error(out.probs, c, t.behavior, opt.ece_bins);

  double abs_sum = 0, sq_sum = 0, eng_abs = 0;
  std::vector<double> ep(n), et(n);
  for (int64_t i = 0; i < n; ++i) {
    double d = double(out.dwell_s[i]) - t.dwell_s[i];
    abs_sum += std::abs(d);
    sq_sum += d * d;
    ep[i] = out.engagement[i];
    et[i] = t.engagement[i];
    eng_abs += std::abs(ep[i] - et[i]);
  }
  r.dwell_mae_s = abs_sum / n;
  r.dwell_rmse_s = std::sqrt(sq_sum / n);
  r.engagement_pearson = pearson(ep, et);
  r.engagement_spearman = spearman(ep, et);
  r.engagement_mae = eng_abs / n;
  return r;
}

std::map<std::string, Report> evaluate_slices(const Outputs& out, const Targets& t,
                                              const std::vector<std::string>& keys,
                                              const Options& opt) {
  if (keys.size() != t.behavior.size()) {
    throw Error(ErrorKind::Data, "slice keys do not match the samples", "metrics::evaluate_slices");
  }
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < keys.size(); ++i) groups[keys[i]].push_back(i);
  std::map<std::string, Report> result;
  const int64_t c = out.n_classes;
  for (const auto& [key, rows] : groups) {
    Outputs o{{}, c, {}, {}};
    Targets s;
    for (size_t i : rows) {
      o.probs.insert(o.probs.end(), out.probs.begin() + i * c, out.probs.begin() + (i + 1) * c);
      o.dwell_s.push_back(out.dwell_s[i]);
      o.engagement.push_back(out.engagement[i]);
      s.behavior.push_back(t.behavior[i]);
      s.dwell_s.push_back(t.dwell_s[i]);
      s.engagement.push_back(t.engagement[i]);
    }
    result[key] = evaluate(o, s, opt);
  }
  return result;
}

std::string missing_modality_key(const uint8_t* mask4) {
  static const char* names[] = {"visual", "audio", "text", "sensor"};
  std::string key;
  for (int k = 0; k < 4; ++k) {
    if (!mask4[k]) key += (key.empty() ? "" : "+") + std::string(names[k]);
  }
  return key.empty() ? "none" : key;
}

}  // namespace storefuse::metrics
