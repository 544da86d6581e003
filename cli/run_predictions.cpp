// `storefuse abtest --a runs/seed_fusion`: a run directory's best checkpoint
// run through LibTorch on the evaluation dataset. The feature summary is
// computed from the run's training data (data.train of its config) when the
// file is still there. Part of the LibTorch module (torch_module.h).
#include <torch/torch.h>

#include <filesystem>

#include "model_predictions.h"
#include "storefuse/abtest/models.h"
#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/metrics/feature_summary.h"
#include "storefuse/train/batch_tensors.h"
#include "storefuse/train/evaluation.h"
#include "storefuse/train/trained_model.h"

namespace storefuse::cli {
namespace {

namespace ds = datasets;

class RunRunner : public abtest::ModelRunner {
 public:
  RunRunner(const std::filesystem::path& dir, const abtest::RunOptions& options)
      : dir_(dir.string()), trained_(train::load_trained_model(dir, "best")) {
    if (options.threads > 0) torch::set_num_threads(options.threads);
    facts_.kind = "run";
    facts_.file_bytes = int64_t(std::filesystem::file_size(trained_.checkpoint));
    facts_.feature_spec = trained_.spec.to_json().dump();
    const std::string train_data = trained_.config["data"]["train"].as_string();
    if (std::filesystem::exists(train_data)) {
      facts_.feature_summary = metrics::summarize_features(train_data);
      facts_.summary_source = "the run's training data " + train_data;
    } else {
      facts_.summary_source = "the run's training data " + train_data + " is gone";
    }
  }

  const abtest::ModelFacts& facts() const override { return facts_; }

  abtest::Predictions predict(const std::filesystem::path& data) override {
    auto reader = ds::DatasetReader::open(data, {});
    train::check_feature_spec(trained_.spec, reader->spec(), data.string());
    train::PredictOptions options;
    options.progress = false;
    const train::Predictions tp = train::predict(*trained_.model, reader, options);
    abtest::Predictions p;
    p.source = dir_;
    p.class_names = trained_.spec.class_names;
    p.probs = tp.outputs.probs;
    p.dwell_s = tp.outputs.dwell_s;
    p.engagement = tp.outputs.engagement;
    for (int64_t id : reader->read_ids("sample_id")) p.sample_ids.push_back(std::to_string(id));
    return p;
  }

  void prepare(const std::filesystem::path& data, int64_t rows) override {
    auto reader = ds::DatasetReader::open(data, {});
    train::check_feature_spec(trained_.spec, reader->spec(), data.string());
    batches_.clear();
    inputs_.clear();
    for (int64_t i = 0; i < std::min(rows, reader->num_rows()); ++i) batches_.push_back(reader->read(i, i + 1));
    for (auto& b : batches_) inputs_.push_back(train::to_tensors(b, torch::kCPU).input);  // views of batches_
  }

  void run_row(int64_t row) override {
    torch::NoGradGuard no_grad;
    trained_.model->forward(inputs_.at(size_t(row)));
  }

 private:
  std::string dir_;
  train::TrainedModel trained_;
  abtest::ModelFacts facts_;
  std::vector<ds::Batch> batches_;
  std::vector<train::ModelInput> inputs_;
};

}  // namespace

std::unique_ptr<abtest::ModelRunner> open_run_dir(const std::filesystem::path& dir,
                                                  const abtest::RunOptions& options) {
  return std::make_unique<RunRunner>(dir, options);
}

}  // namespace storefuse::cli
