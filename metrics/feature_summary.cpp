// Feature summaries and drift (PSI, KS); see feature_summary.h.
#include "storefuse/metrics/feature_summary.h"

#include <algorithm>
#include <cmath>

#include "storefuse/core/error.h"
#include "storefuse/core/random.h"
#include "storefuse/datasets/dataset_reader.h"

namespace storefuse::metrics {
namespace {

constexpr const char* kStatNames[] = {"mean", "std", "proj1", "proj2"};

// +-1 / sqrt(numel) weights of projection k, fixed forever (part of the
// summary's meaning).
std::vector<double> projection(int k, int64_t numel) {
  std::vector<double> w(numel);
  const double scale = 1.0 / std::sqrt(double(numel));
  for (int64_t j = 0; j < numel; ++j) {
    const uint64_t bits = random::splitmix64_mix((uint64_t(k) << 48) ^ uint64_t(j));
    w[j] = (bits >> 63) ? scale : -scale;
  }
  return w;
}

double value_at(const datasets::Array& a, int64_t i) {
  switch (a.dtype) {
    case datasets::DType::Float32: return a.as<float>()[i];
    case datasets::DType::UInt8: return a.as<uint8_t>()[i];
    case datasets::DType::Int32: return a.as<int32_t>()[i];
  }
  return 0;
}

// numpy.quantile(v, p) with the default linear method; v sorted.
double quantile_sorted(const std::vector<double>& v, double p) {
  const double h = (double(v.size()) - 1) * p;
  const auto lo = size_t(std::floor(h));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - double(lo)) * (v[hi] - v[lo]);
}

std::vector<double> numbers(const json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_array()) {
    throw Error(ErrorKind::Data, std::string("feature summary entry has no '") + key + "' array",
                where, "re-export the model with this storefuse version");
  }
  return j[key].get<std::vector<double>>();
}

// Bin of x among the interior edges: the number of interior edges <= x.
size_t bin_of(const std::vector<double>& edges, double x) {
  return size_t(std::upper_bound(edges.begin() + 1, edges.end() - 1, x) - (edges.begin() + 1));
}

}  // namespace

FeatureStats feature_statistics(const std::filesystem::path& dataset) {
  auto reader = datasets::DatasetReader::open(dataset, {});
  const auto& spec = reader->spec();
  FeatureStats out;
  out.rows = reader->num_rows();
  std::array<std::vector<double>, datasets::kNumModalities> w1, w2;
  std::array<int64_t, datasets::kNumModalities> present{};
  for (int m = 0; m < datasets::kNumModalities; ++m) {
    const int64_t numel = spec.modalities[m].numel();
    w1[m] = projection(1, numel);
    w2[m] = projection(2, numel);
  }
  const int64_t block = std::max<int64_t>(reader->block_rows(), 256);
  for (int64_t begin = 0; begin < out.rows; begin += block) {
    const auto b = reader->read(begin, std::min(out.rows, begin + block));
    for (int m = 0; m < datasets::kNumModalities; ++m) {
      const std::string name = datasets::to_string(datasets::kModalities[m]);
      const auto& a = b.inputs[m];
      const int64_t numel = spec.modalities[m].numel();
      for (int64_t r = 0; r < b.rows; ++r) {
        if (!b.present(r, datasets::kModalities[m])) continue;
        ++present[m];
        double sum = 0, sum2 = 0, p1 = 0, p2 = 0;
        for (int64_t j = 0; j < numel; ++j) {
          const double x = value_at(a, r * numel + j);
          sum += x;
          sum2 += x * x;
          p1 += w1[m][j] * x;
          p2 += w2[m][j] * x;
        }
        const double mean = sum / double(numel);
        const double var = std::max(0.0, sum2 / double(numel) - mean * mean);
        const double stat[] = {mean, std::sqrt(var), p1, p2};
        for (int s = 0; s < 4; ++s) out.values[name + "." + kStatNames[s]].push_back(stat[s]);
      }
    }
  }
  for (int m = 0; m < datasets::kNumModalities; ++m) {
    const std::string name = datasets::to_string(datasets::kModalities[m]);
    out.present_share[name] = out.rows ? double(present[m]) / double(out.rows) : 0.0;
    for (const char* s : kStatNames) out.values[name + "." + s];  // present even when empty
  }
  return out;
}

json summarize_values(std::vector<double> values, int quantiles) {
  json j{{"n", values.size()}, {"edges", json::array()}, {"share", json::array()}};
  if (values.empty()) return j;
  std::sort(values.begin(), values.end());
  std::vector<double> edges(quantiles + 1);
  for (int k = 0; k <= quantiles; ++k) edges[k] = quantile_sorted(values, double(k) / quantiles);
  std::vector<double> share(quantiles, 0.0);
  for (double x : values) share[bin_of(edges, x)] += 1.0;
  for (double& s : share) s /= double(values.size());
  j["edges"] = edges;
  j["share"] = share;
  return j;
}

json summarize(const FeatureStats& stats) {
  json features = json::object();
  for (const auto& [name, v] : stats.values) features[name] = summarize_values(v);
  return json{{"version", 1},
              {"rows", stats.rows},
              {"quantiles", kSummaryQuantiles},
              {"present_share", stats.present_share},
              {"features", features}};
}

json summarize_features(const std::filesystem::path& dataset) {
  return summarize(feature_statistics(dataset));
}

double psi(const json& reference, const std::vector<double>& current) {
  const auto edges = numbers(reference, "edges", "psi");
  const auto share = numbers(reference, "share", "psi");
  if (edges.size() < 2 || share.size() != edges.size() - 1 || current.empty()) return 0.0;
  std::vector<double> cur(share.size(), 0.0);
  for (double x : current) cur[bin_of(edges, x)] += 1.0;
  double total = 0;
  for (size_t i = 0; i < share.size(); ++i) {
    const double c = std::max(cur[i] / double(current.size()), kPsiFloor);
    const double r = std::max(share[i], kPsiFloor);
    total += (c - r) * std::log(c / r);
  }
  return total;
}

double ks_statistic(const json& reference, const std::vector<double>& current) {
  const auto edges = numbers(reference, "edges", "ks");
  if (edges.size() < 2 || current.empty()) return 0.0;
  // Distinct edges; at a repeated edge the CDF jumps from lo (its first k/q)
  // to hi (its last k/q).
  std::vector<double> xs, lo, hi;
  const double q = double(edges.size() - 1);
  for (size_t k = 0; k < edges.size(); ++k) {
    if (!xs.empty() && edges[k] == xs.back()) {
      hi.back() = double(k) / q;
    } else {
      xs.push_back(edges[k]);
      lo.push_back(double(k) / q);
      hi.push_back(double(k) / q);
    }
  }
  // F(x) = P(X <= x) when `left` is false, its left limit P(X < x) when true.
  auto cdf = [&](double x, bool left) {
    if (x < xs.front() || (left && x == xs.front())) return 0.0;
    if (x > xs.back() || (!left && x == xs.back())) return 1.0;
    const size_t i = size_t(std::lower_bound(xs.begin(), xs.end(), x) - xs.begin());  // xs[i-1] < x <= xs[i]
    if (x == xs[i]) return left ? lo[i] : hi[i];
    return hi[i - 1] + (x - xs[i - 1]) / (xs[i] - xs[i - 1]) * (lo[i] - hi[i - 1]);
  };
  // sup |ECDF - F|: at each distinct value v, ECDF steps from below/n to
  // upto/n and F from F(v-) to F(v); in between both are monotone.
  std::vector<double> v = current;
  std::sort(v.begin(), v.end());
  const double n = double(v.size());
  double d = 0;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j < v.size() && v[j] == v[i]) ++j;
    d = std::max({d, double(j) / n - cdf(v[i], false), cdf(v[i], true) - double(i) / n});
    i = j;
  }
  return d;
}

double presence_psi(double reference_share, double current_share) {
  double total = 0;
  for (auto [r, c] : {std::pair{reference_share, current_share},
                      std::pair{1 - reference_share, 1 - current_share}}) {
    r = std::max(r, kPsiFloor);
    c = std::max(c, kPsiFloor);
    total += (c - r) * std::log(c / r);
  }
  return total;
}

const char* psi_level(double p) {
  return p >= kPsiMajor ? "major" : p >= kPsiModerate ? "moderate" : "none";
}

DriftReport compare_features(const json& reference_summary, const FeatureStats& current) {
  const std::string where = "feature summary";
  if (!reference_summary.is_object() || reference_summary.value("version", 0) != 1 ||
      !reference_summary.contains("features") || !reference_summary["features"].is_object()) {
    throw Error(ErrorKind::Data, "the model's feature summary is not a version-1 summary", where,
                "re-export the model with this storefuse version");
  }
  DriftReport out;
  for (const auto& [name, ref] : reference_summary["features"].items()) {
    const auto it = current.values.find(name);
    if (it == current.values.end()) {
      throw Error(ErrorKind::Data, "the evaluation set has no feature '" + name + "' of the model's summary",
                  where, "evaluate on a dataset with the model's feature spec");
    }
    FeatureDrift f{name, psi(ref, it->second), ks_statistic(ref, it->second),
                   ref.value("n", int64_t(0)), int64_t(it->second.size())};
    if (f.n_reference == 0 || f.n_current == 0) f.psi = f.ks = 0;
    out.features.push_back(f);
  }
  if (reference_summary.contains("present_share")) {
    for (const auto& [mod, share] : reference_summary["present_share"].items()) {
      const auto it = current.present_share.find(mod);
      if (it == current.present_share.end()) continue;
      const double r = share.get<double>(), c = it->second;
      out.features.push_back({mod + ".present", presence_psi(r, c), std::fabs(r - c),
                              reference_summary.value("rows", int64_t(0)), current.rows});
    }
  }
  for (const auto& f : out.features) {
    if (out.worst_feature.empty() || f.psi > out.max_psi) {
      out.max_psi = f.psi;
      out.worst_feature = f.feature;
    }
    out.max_ks = std::max(out.max_ks, f.ks);
  }
  out.level = psi_level(out.max_psi);
  return out;
}

json to_json(const DriftReport& d) {
  json features = json::array();
  for (const auto& f : d.features) {
    features.push_back({{"feature", f.feature}, {"psi", f.psi}, {"ks", f.ks},
                        {"n_reference", f.n_reference}, {"n_current", f.n_current},
                        {"level", psi_level(f.psi)}});
  }
  return json{{"max_psi", d.max_psi}, {"max_ks", d.max_ks}, {"worst_feature", d.worst_feature},
              {"level", d.level}, {"thresholds", {{"moderate", kPsiModerate}, {"major", kPsiMajor}}},
              {"features", features}};
}

}  // namespace storefuse::metrics
