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

// How close the runtime's outputs must be to LibTorch's: every value a of
// the runtime against b of LibTorch satisfies |a - b| <= atol + rtol * |b|
// (numpy's allclose). The defaults accept the float32 rounding of summing in
// another order, which grows with the magnitude of the logits, and reject a
// wrong operator or weight by orders of magnitude.
struct Tolerance {
  double atol = 1e-4;
  double rtol = 1e-3;
};

// One output compared. dwell_s is compared in the dwell head's own units
// (normalised seconds or log-seconds: seconds are hundreds, and float32
// resolves them to about 1e-4), the others as they are.
struct OutputDiff {
  double max_abs = 0;  // max |a - b|
  double max_rel = 0;  // max |a - b| / |b| over values with |b| >= atol
  // max |a - b| / (atol + rtol * |b|): <= 1 passes; infinite for a NaN.
  double worst_ratio = 0;
  // max |a - b| / (1 + |b|), whatever the tolerance: float32 rounding keeps
  // it near 1e-6, a wrong operator or weight takes it past 1e-2.
  double max_scaled = 0;
};

// The exported file run by storefuse's runtime against LibTorch.
struct Verification {
  int64_t samples = 0;
  std::vector<int64_t> batch_sizes;
  Tolerance tolerance;
  std::map<std::string, OutputDiff> per_output;  // output name -> its comparison
  double max_abs_diff = 0, max_rel_diff = 0;     // over every output
  // The output furthest outside the tolerance (largest worst_ratio).
  std::string worst_output() const;
  bool passed() const { return per_output.at(worst_output()).worst_ratio <= 1.0; }
  // Far outside any float32 rounding (some output's max_scaled above 1e-2,
  // or a NaN): a wrong operator, weight or layout, not summation order.
  bool gross() const;
};

// Runs `model` (eval mode, no grad) and the ONNX bytes on the same inputs,
// split into batches of each size in `batch_sizes`.
Verification verify(train::FusionModelImpl& model, const std::string& onnx_bytes,
                    const train::ModelInput& samples, const std::vector<int64_t>& batch_sizes,
                    const Tolerance& tolerance = {});

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
