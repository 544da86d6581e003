// The A/B tool's inputs: two models' predictions and the labels, read from
// files and aligned by sample id.
//
// Prediction file (CSV or JSONL), one row per sample:
//   sample_id                      required, unique
//   p_<class> ... | logit_<class>  behaviour probabilities or logits, one column per class
//   behavior                       or the predicted class alone (name or 0-based index)
//   dwell_s, engagement            required
//   latency_ms                     optional, per-sample inference latency
// Label file (CSV or JSONL): sample_id, behavior (name or index), dwell_s,
// engagement, and optional store_id, camera_id, missing_modality,
// customer_id. Other readers (the HDF5 dataset) plug in by extension:
//
//   register_label_reader(".h5", [](const std::filesystem::path& p) { ... return labels; });
//   PairedData d = align(read_predictions("a.csv"), read_predictions("b.jsonl"),
//                        read_labels("test.h5"));
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "storefuse/metrics/metrics.h"

namespace storefuse::abtest {

struct Predictions {
  std::string source;
  std::vector<std::string> sample_ids;
  std::vector<std::string> class_names;  // from the p_/logit_ columns; empty for class-only files
  std::vector<float> probs;              // [n, classes]; empty for class-only files
  std::vector<std::string> predicted;    // the `behavior` column of class-only files
  std::vector<float> dwell_s, engagement;
  std::vector<double> latency_ms;        // empty when the file has none
  // The first p_ row that does not sum to 1 (within 1e-3): align() reports
  // it, after naming any class column the file lacks.
  struct BadSum {
    std::string where;
    double sum = 0;
  };
  std::optional<BadSum> bad_sum;
  bool has_probs() const { return !probs.empty(); }
};

struct Labels {
  std::string source;
  std::vector<std::string> sample_ids;
  std::vector<std::string> behavior;     // class name or 0-based index, as written
  std::vector<float> dwell_s, engagement;
  std::vector<std::string> customer_ids;  // empty when absent
  std::map<std::string, std::vector<std::string>> slices;  // slice column -> value per sample
};

Predictions read_predictions(const std::filesystem::path& path);
class Table;
Predictions read_predictions(const Table& table);  // a file already parsed (read_table)

using LabelReader = std::function<Labels(const std::filesystem::path&)>;
// Registers a reader for files with this extension (".h5"); replaces any
// earlier one. CSV and JSONL readers are built in.
void register_label_reader(const std::string& extension, LabelReader reader);
Labels read_labels(const std::filesystem::path& path);

// Both models and the labels on the same samples, in the labels' order.
struct PairedData {
  std::vector<std::string> class_names;
  std::vector<std::string> sample_ids;
  metrics::Outputs a, b;      // probs is one-hot for class-only predictions
  bool a_has_probs = true, b_has_probs = true;
  metrics::Targets targets;
  std::vector<std::string> customer_ids;
  std::map<std::string, std::vector<std::string>> slices;
  std::vector<double> latency_a_ms, latency_b_ms;  // empty unless both files have latency
  std::string source_a, source_b, source_labels;
  size_t size() const { return sample_ids.size(); }
};

// Throws Error(Data) naming the files when the sample ids differ between A,
// B and the labels (with examples), when ids repeat, when the two files'
// class sets differ or a labelled class has no column in a file (naming the
// classes), when probabilities do not sum to 1, or when a class is unknown. `class_names` is used when
// neither file has probability columns (empty: the sorted class names seen).
PairedData align(const Predictions& a, const Predictions& b, const Labels& labels,
                 const std::vector<std::string>& class_names = {});

}  // namespace storefuse::abtest
