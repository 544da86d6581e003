// A trained model loaded back from its run directory, for evaluation and
// export:
//
//   auto trained = load_trained_model("runs/seed_fusion", "best");
//   check_feature_spec(trained.spec, reader->spec(), "test.h5");
//   ModelOutput out = trained.model->forward(input);  // eval mode
#pragma once

#include <filesystem>
#include <string>

#include "storefuse/core/config.h"
#include "storefuse/datasets/feature_spec.h"
#include "storefuse/train/model.h"

namespace storefuse::train {

struct TrainedModel {
  Model model;                       // in eval mode, on the CPU
  datasets::FeatureSpec spec;        // the feature spec it was trained on
  config::Node config;               // the run's resolved config.yaml
  std::filesystem::path checkpoint;  // the file the weights came from
};

// `checkpoint`: "best" or "last" (the run's best.pt, last.pt), or the path
// of a checkpoint file (this run's epoch-<K>.pt, or another run's). Throws
// Error(Io) when the run directory, its config.yaml or the checkpoint file is
// missing, Error(Model) when the run has no best/last checkpoint, the file is
// unreadable, or its weights do not fit the model of the run's config (the
// message names the first parameter that misfits and, for a checkpoint in
// another run directory, the first model key where the configs differ).
TrainedModel load_trained_model(const std::filesystem::path& run_dir, const std::string& checkpoint);

// Throws Error(Data) when a dataset's spec differs from the model's, naming
// the first field that differs ("modalities.text.shape: model [48], data [32]").
void check_feature_spec(const datasets::FeatureSpec& model, const datasets::FeatureSpec& data,
                        const std::string& data_name);

}  // namespace storefuse::train
