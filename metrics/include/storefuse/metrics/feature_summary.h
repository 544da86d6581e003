// Feature summaries and data drift, torch-free: a compact description of a
// dataset's inputs, stored with a model, against which an evaluation set is
// compared (PSI and a Kolmogorov-Smirnov statistic) so that a model win on a
// shifted set can be flagged.
//
// The exporter stores the training set's summary in the model's metadata;
// cli/cmd_export.cpp adds this one entry to the metadata it writes:
//
//   {infer::metadata::kFeatureSummary, metrics::summarize_features(train_data).dump()},
//
// where train_data is the run's training dataset file. `storefuse abtest`
// reads it back (docs/abtest.md, "Data drift").
//
// What is summarised: for every modality and every sample where it is present
// (mask), four scalar statistics of the stored input values — "mean", "std"
// (population), and two fixed random projections "proj1", "proj2"
// (sum_j w_j x_j / sqrt(numel), w_j = +-1 from SplitMix64 of (k, j)) — plus the
// modality's presence share. Each statistic keeps 21 quantiles (numpy's linear
// interpolation at 0, 0.05, ..., 1) and its share of values in the 20 bins
// those quantiles cut: a few KB of JSON, enough for PSI and KS.
//
//   json ref = summarize_features("data/train.h5");      // stored with the model
//   FeatureStats cur = feature_statistics("data/test.h5");
//   DriftReport d = compare_features(ref, cur);          // d.max_psi, d.level
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "storefuse/core/json.h"

namespace storefuse::metrics {

inline constexpr int kSummaryQuantiles = 20;   // bins per statistic
inline constexpr double kPsiModerate = 0.10;   // PSI at or above: moderate shift
inline constexpr double kPsiMajor = 0.25;      // PSI at or above: major shift
inline constexpr double kPsiFloor = 1e-4;      // bin shares are floored at this in PSI

// Per-sample statistics of a dataset's inputs: "visual.mean" -> one value per
// sample where visual is present; presence share per modality.
struct FeatureStats {
  int64_t rows = 0;
  std::map<std::string, std::vector<double>> values;
  std::map<std::string, double> present_share;  // "visual" -> share of rows present
};

// Reads the dataset (HDF5, storefuse format) in blocks. Throws storefuse::Error.
FeatureStats feature_statistics(const std::filesystem::path& dataset);

// The summary JSON: {"version": 1, "rows": N, "quantiles": 20,
//   "present_share": {"visual": 0.93, ...},
//   "features": {"visual.mean": {"n": 930, "edges": [21], "share": [20]}, ...}}
json summarize(const FeatureStats& stats);
json summarize_features(const std::filesystem::path& dataset);

// One statistic: quantile edges (q + 1 values) and the share of `values` in
// each bin [edge_i, edge_i+1) of the interior edges (bin 0 is below edge 1,
// the last bin at or above edge q - 1).
json summarize_values(std::vector<double> values, int quantiles = kSummaryQuantiles);
// Population stability index of `current` against a summarize_values() entry:
// sum_i (c_i - r_i) ln(c_i / r_i) over the reference bins, shares floored at
// kPsiFloor.
double psi(const json& reference, const std::vector<double>& current);
// One-sample Kolmogorov-Smirnov statistic D = sup |ECDF(x) - F(x)| of
// `current` against the reference's quantile CDF F (piecewise linear through
// (edge_k, k/q), jumping at repeated edges; 0 below the minimum, 1 above the
// maximum). Ties in `current` are handled exactly (scipy's kstest treats each
// tied value as a separate jump point, which overstates D on discrete data);
// without ties and repeated edges it equals scipy.stats.kstest's statistic.
double ks_statistic(const json& reference, const std::vector<double>& current);
// PSI of a two-bin (present/absent) distribution.
double presence_psi(double reference_share, double current_share);

struct FeatureDrift {
  std::string feature;  // "visual.mean", or "visual.present"
  double psi = 0, ks = 0;
  int64_t n_reference = 0, n_current = 0;
};

struct DriftReport {
  std::vector<FeatureDrift> features;
  double max_psi = 0, max_ks = 0;
  std::string worst_feature;  // the one with max_psi
  std::string level;          // "none" (< 0.10), "moderate" (< 0.25) or "major"
};

// Every feature of the reference summary against the current statistics.
// Throws Error(Data) when the summary is malformed or the two do not share a
// feature (different input specs).
DriftReport compare_features(const json& reference_summary, const FeatureStats& current);
const char* psi_level(double psi);
json to_json(const DriftReport& d);

}  // namespace storefuse::metrics
