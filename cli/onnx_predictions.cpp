// `storefuse abtest --a model.onnx`: an ONNX model run through the torch-free
// runtime on the evaluation dataset. Facts (size, feature spec, feature
// summary) come from the file and its metadata.
#include <filesystem>

#include "model_predictions.h"
#include "storefuse/abtest/models.h"
#include "storefuse/core/error.h"
#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/infer/batch_feeds.h"
#include "storefuse/infer/model.h"
#include "storefuse/infer/model_metadata.h"
#include "storefuse/infer/session.h"
#include "storefuse/metrics/metrics.h"

namespace storefuse::cli {
namespace {

namespace ds = datasets;
namespace md = infer::metadata;

class OnnxRunner : public abtest::ModelRunner {
 public:
  OnnxRunner(const std::filesystem::path& path, const abtest::RunOptions& options)
      : path_(path.string()), model_(infer::Model::load(path_)), session_(model_, {options.threads, false, false}) {
    facts_.kind = "onnx";
    facts_.file_bytes = int64_t(std::filesystem::file_size(path));
    const auto& meta = model_->metadata();
    if (auto it = meta.find(md::kFeatureSpec); it != meta.end()) facts_.feature_spec = it->second;
    if (auto it = meta.find(md::kFeatureSummary); it != meta.end()) {
      facts_.feature_summary = json::parse(it->second);
      facts_.summary_source = "the model's metadata";
    } else {
      facts_.summary_source = std::string("no ") + md::kFeatureSummary + " in the model's metadata";
    }
  }

  const abtest::ModelFacts& facts() const override { return facts_; }

  abtest::Predictions predict(const std::filesystem::path& data) override {
    auto reader = open(data);
    abtest::Predictions p;
    p.source = path_;
    p.class_names = reader->spec().class_names;
    if (auto it = model_->metadata().find(md::kClassNames); it != model_->metadata().end()) {
      p.class_names = json::parse(it->second).get<std::vector<std::string>>();
    }
    const int64_t n = reader->num_rows(), classes = int64_t(p.class_names.size());
    for (int64_t begin = 0; begin < n; begin += 64) {
      const ds::Batch b = reader->read(begin, std::min(n, begin + 64));
      auto out = session_.run(infer::feeds_from_batch(b));
      const infer::Tensor& logits = out.at("behavior_logits");
      if (logits.dim(1) != classes) {
        throw Error(ErrorKind::Model, "the model has " + std::to_string(logits.dim(1)) + " classes, its class names " +
                                          std::to_string(classes), path_, "re-export the model");
      }
      std::vector<float> probs(logits.data<float>(), logits.data<float>() + logits.numel());
      metrics::softmax_rows(probs, classes);
      p.probs.insert(p.probs.end(), probs.begin(), probs.end());
      const float* dwell = out.at("dwell_s").data<float>();
      const float* engagement = out.at("engagement").data<float>();
      p.dwell_s.insert(p.dwell_s.end(), dwell, dwell + b.rows);
      p.engagement.insert(p.engagement.end(), engagement, engagement + b.rows);
      for (int64_t i = 0; i < b.rows; ++i) p.sample_ids.push_back(std::to_string(b.sample_id[i]));
    }
    return p;
  }

  void prepare(const std::filesystem::path& data, int64_t rows) override {
    auto reader = open(data);
    feeds_.clear();
    for (int64_t i = 0; i < std::min(rows, reader->num_rows()); ++i) {
      feeds_.push_back(infer::feeds_from_batch(reader->read(i, i + 1)));
    }
  }

  void run_row(int64_t row) override { session_.run(feeds_.at(size_t(row))); }

 private:
  // The dataset, checked against the model's feature spec (modality by modality).
  std::shared_ptr<ds::DatasetReader> open(const std::filesystem::path& data) const {
    auto reader = ds::DatasetReader::open(data, {});
    if (facts_.feature_spec.empty()) return reader;
    const auto spec = ds::FeatureSpec::from_json_string(facts_.feature_spec);
    for (int k = 0; k < ds::kNumModalities; ++k) {
      const auto &want = spec.modalities[k], &have = reader->spec().modalities[k];
      if (want != have) {
        throw Error(ErrorKind::Data,
                    std::string("the dataset's ") + ds::to_string(ds::kModalities[k]) + " input (" +
                        ds::to_string(have.dtype) + " " + json(have.shape).dump() +
                        ") differs from the model's feature spec (" + ds::to_string(want.dtype) + " " +
                        json(want.shape).dump() + (want.shape == have.shape ? ", extractor params" : "") + ")",
                    data.string() + " vs " + path_, "evaluate on a dataset built with the model's feature spec");
      }
    }
    return reader;
  }

  std::string path_;
  std::shared_ptr<const infer::Model> model_;
  infer::Session session_;
  abtest::ModelFacts facts_;
  std::vector<std::map<std::string, infer::Tensor>> feeds_;
};

}  // namespace

void register_onnx_predictions() {
  abtest::register_model_backend(
      {"onnx", [](const std::filesystem::path& p) { return p.extension() == ".onnx"; },
       [](const std::filesystem::path& p, const abtest::RunOptions& o) -> std::unique_ptr<abtest::ModelRunner> {
         return std::make_unique<OnnxRunner>(p, o);
       }});
}

}  // namespace storefuse::cli
