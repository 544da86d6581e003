// Evaluation metrics for the three outputs, torch-free: used by `storefuse
// eval`, the runtime's predict and the A/B tool.
//
//   metrics::Outputs out{probs, n, n_classes, dwell_s, engagement};
//   metrics::Targets t{labels, dwell_s_true, engagement_true};
//   auto report = metrics::evaluate(out, t, {.ece_bins = 15});
//   std::cout << metrics::to_markdown(report, class_names);
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "storefuse/core/json.h"

namespace storefuse::metrics {

// Model outputs for n samples. probs is row-major [n, n_classes] and sums to
// 1 per row (softmax_rows turns logits into it).
struct Outputs {
  std::vector<float> probs;
  int64_t n_classes = 0;
  std::vector<float> dwell_s;
  std::vector<float> engagement;
  int64_t size() const { return n_classes ? int64_t(probs.size()) / n_classes : 0; }
};

struct Targets {
  std::vector<int64_t> behavior;
  std::vector<float> dwell_s;
  std::vector<float> engagement;
};

struct ClassStats {
  double precision = 0, recall = 0, f1 = 0;
  int64_t support = 0;
};

struct Report {
  int64_t n = 0;
  double accuracy = 0, macro_f1 = 0, top2_accuracy = 0, ece = 0;
  std::vector<ClassStats> per_class;
  std::vector<std::vector<int64_t>> confusion;  // [true][predicted]
  double dwell_mae_s = 0, dwell_rmse_s = 0;
  double engagement_pearson = 0, engagement_spearman = 0, engagement_mae = 0;
};

struct Options {
  int ece_bins = 15;
};

void softmax_rows(std::vector<float>& logits, int64_t n_classes);
std::vector<int64_t> argmax_rows(const std::vector<float>& probs, int64_t n_classes);

// Throws Error(Data) when sizes disagree or a label is out of range.
Report evaluate(const Outputs& out, const Targets& t, const Options& opt = {});

// Reports over subsets: one per distinct key value (e.g. store id). keys has
// one entry per sample.
std::map<std::string, Report> evaluate_slices(const Outputs& out, const Targets& t,
                                              const std::vector<std::string>& keys,
                                              const Options& opt = {});

// The pieces, exposed for the A/B statistics.
// Pearson's r: the one implementation (eval, validation, the A/B tool and
// RetailSim's oracle call it). NaN when there are fewer than 2 samples or
// either side is constant: a constant has no correlation, and reporting 0
// would pass it off as a measured "no linear relation".
double pearson(const std::vector<double>& a, const std::vector<double>& b);
// The same from the sums over w samples of x, y, x², y² and x·y (for
// statistics kept as running or resampled sums).
double pearson_from_sums(double w, double sx, double sy, double sxx, double syy, double sxy);
double spearman(const std::vector<double>& a, const std::vector<double>& b);
std::vector<double> ranks(const std::vector<double>& v);  // average ranks, 1-based
// The calibration bin of a confidence: (k/B, (k+1)/B], a confidence of 0
// in the first. ECE, its paired A/B difference and the reliability diagram
// all bin by it.
int ece_bin(double confidence, int bins);
double expected_calibration_error(const std::vector<float>& probs, int64_t n_classes,
                                  const std::vector<int64_t>& labels, int bins);
double macro_f1(const std::vector<int64_t>& pred, const std::vector<int64_t>& labels,
                int64_t n_classes, std::vector<ClassStats>* per_class = nullptr);

// The `missing_modality` slice of a sample from its presence mask (order
// visual, audio, text, sensor): "none", or the missing ones joined by '+'
// ("audio", "visual+text").
std::string missing_modality_key(const uint8_t* mask4);

json to_json(const Report& r, const std::vector<std::string>& class_names);
std::string to_markdown(const Report& r, const std::vector<std::string>& class_names);

}  // namespace storefuse::metrics
