// Evaluation behind `storefuse eval`: a trained model over a labelled
// dataset, overall and per slice, written as eval.json and eval.md.
//
//   auto reader = datasets::DatasetReader::open("test.h5");
//   Predictions p = predict(*model, reader, {});            // eval mode, no grad
//   metrics::Report r = metrics::evaluate(p.outputs, p.targets);
//
//   EvalResult result = evaluate_run({"runs/seed_fusion", "test.h5"});  // writes the reports
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/datasets/loader.h"
#include "storefuse/metrics/metrics.h"
#include "storefuse/train/distributed.h"
#include "storefuse/train/model.h"

namespace storefuse::train {

// The model's outputs and the targets, one entry per sample in file order
// (rows skipped by the NaN policy left out), with the slice keys.
struct Predictions {
  metrics::Outputs outputs;  // softmax probabilities, dwell seconds, engagement
  metrics::Targets targets;
  // "store_id", "camera_id", "missing_modality" (metrics::missing_modality_key)
  std::map<std::string, std::vector<std::string>> slice_keys;
};

struct PredictOptions {
  int64_t batch_size = 256;
  // Under a launcher: rank r runs the model on batches r, r + N, ... and the
  // ranks exchange the outputs (one all-reduce of rows x (classes + 2)
  // floats), so every rank returns the predictions of one process.
  World* world = nullptr;
  datasets::ModalitySet modalities = datasets::all_modalities();  // the others hidden (mask 0)
  bool progress = true;  // a progress bar on stderr
};

// Runs `model` in eval mode under NoGradGuard over every row of `reader`.
// Throws Error(Data) when the dataset has no targets.
Predictions predict(FusionModelImpl& model, std::shared_ptr<const datasets::DatasetReader> reader,
                    const PredictOptions& options);

// Under torchrun (or storefuse eval --nproc N) the ranks share the
// predictions (PredictOptions::world) and rank 0 alone writes the reports;
// the other ranks return a result without files.
struct EvalRequest {
  std::filesystem::path run_dir;
  std::filesystem::path data;
  std::string checkpoint = "best";  // best | last
  std::filesystem::path out_dir;    // empty: the run directory
  // Modalities removed at test time, on top of the run's data.modalities.
  std::vector<std::string> drop_modalities;
  bool progress = true;
};

struct EvalResult {
  metrics::Report overall;
  std::map<std::string, std::map<std::string, metrics::Report>> slices;  // slice -> key -> report
  std::vector<std::string> class_names;
  std::filesystem::path json_file, markdown_file;
};

// Loads the run's checkpoint, checks the dataset's feature spec against the
// model's, predicts, and writes eval.json and eval.md atomically. Slices and
// ECE bins come from the run's config (eval.slices, eval.ece_bins).
EvalResult evaluate_run(const EvalRequest& request);

}  // namespace storefuse::train
