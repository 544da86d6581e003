// A trained zoo model -> a self-describing ONNX model, verified.
//
// The graph follows the model-file contract: inputs `visual`, `audio`,
// `text`, `sensor` (dtype and per-sample shape from the feature spec) and
// `mask` (uint8 [batch, 4], 1 = modality present); outputs
// `behavior_logits` [batch, classes], `dwell_s` [batch] in seconds and
// `engagement` [batch] in 0..1; a dynamic batch axis; no dropout.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "storefuse/datasets/feature_spec.h"
#include "storefuse/export/graph_builder.h"
#include "storefuse/train/model.h"

namespace storefuse::exporter {

struct ExportOptions {
  Precision precision = Precision::Fp32;
  int64_t opset = 17;
  std::map<std::string, std::string> metadata;  // metadata_props, verbatim
};

// Emits, then runs the ONNX checker with strict shape inference.
onnx::ModelProto export_model(const train::FusionModelImpl& model,
                              const datasets::FeatureSpec& spec, const ExportOptions& options);

// The exported file run by storefuse's runtime against LibTorch.
struct Verification {
  int64_t samples = 0;
  std::vector<int64_t> batch_sizes;
  // Max absolute difference over every output; dwell_s in units of the
  // model's dwell_std_s (the dwell head's scale), the others as they are.
  double max_abs_diff = 0;
  std::map<std::string, double> per_output;    // output name -> max abs diff
  bool passed(double tolerance) const { return max_abs_diff <= tolerance; }
};

// Runs `model` (eval mode, no grad) and the ONNX bytes on the same inputs,
// split into batches of each size in `batch_sizes`.
Verification verify(train::FusionModelImpl& model, const std::string& onnx_bytes,
                    const train::ModelInput& samples, const std::vector<int64_t>& batch_sizes);

// Behaviour accuracy of the LibTorch model and of the ONNX bytes (run by the
// runtime) over a labelled dataset: what a reduced precision costs.
struct AccuracyChange {
  int64_t samples = 0;
  double libtorch_accuracy = 0, onnx_accuracy = 0;
  double points_lost() const { return 100.0 * (libtorch_accuracy - onnx_accuracy); }
};
AccuracyChange accuracy_change(train::FusionModelImpl& model, const std::string& onnx_bytes,
                               const std::string& dataset_path);

}  // namespace storefuse::exporter
