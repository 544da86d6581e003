// `storefuse abtest --a model.onnx`: an ONNX model run through the torch-free
// runtime on the evaluation dataset. Facts (size, feature spec, feature
// summary) come from the file and its metadata.
#include <filesystem>

#include "model_predictions.h"
#include "storefuse/abtest/models.h"
#include "storefuse/core/error.h"
#include "storefuse/contract/model_adapter.h"
#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/infer/model_metadata.h"
#include "storefuse/infer/session.h"

namespace storefuse::cli {
namespace {

namespace ds = datasets;
namespace md = infer::metadata;

class OnnxRunner : public abtest::ModelRunner {
 public:
  OnnxRunner(const std::filesystem::path& path, const abtest::RunOptions& options)
      : adapter_(contract::ModelAdapter::load(path.string())),
        session_(adapter_.shared_model(), {options.threads, false, false}) {
    facts_.kind = "onnx";
    facts_.file_bytes = int64_t(std::filesystem::file_size(path));
    const auto& meta = adapter_.model().metadata();
    if (auto it = meta.find(md::kFeatureSpec); it != meta.end()) facts_.feature_spec = it->second;
    if (auto it = meta.find(md::kFeatureSummary); it != meta.end()) {
      facts_.feature_summary = parse_json(it->second, path.string() + ": metadata " + md::kFeatureSummary);
      facts_.summary_source = "the model's metadata";
    } else {
      facts_.summary_source = std::string("no ") + md::kFeatureSummary + " in the model's metadata";
    }
  }

  const abtest::ModelFacts& facts() const override { return facts_; }

  abtest::Predictions predict(const std::filesystem::path& data) override {
    auto reader = open(data);
    abtest::Predictions p;
    p.source = adapter_.where();
    p.class_names = adapter_.class_names(&reader->spec());
    metrics::Outputs all{{}, int64_t(p.class_names.size()), {}, {}};
    const int64_t n = reader->num_rows();
    for (int64_t begin = 0; begin < n; begin += 64) {
      const ds::Batch b = reader->read(begin, std::min(n, begin + 64));
      adapter_.append(adapter_.run(session_, b), all);
      for (int64_t i = 0; i < b.rows; ++i) p.sample_ids.push_back(std::to_string(b.sample_id[i]));
    }
    p.probs = std::move(all.probs);
    p.dwell_s = std::move(all.dwell_s);
    p.engagement = std::move(all.engagement);
    return p;
  }

  void prepare(const std::filesystem::path& data, int64_t rows) override {
    auto reader = open(data);
    feeds_.clear();
    for (int64_t i = 0; i < std::min(rows, reader->num_rows()); ++i) {
      feeds_.push_back(adapter_.feeds(reader->read(i, i + 1)));
    }
  }

  void run_row(int64_t row) override { session_.run(feeds_.at(size_t(row))); }

 private:
  // The dataset, checked against the model's inputs and feature spec.
  std::shared_ptr<ds::DatasetReader> open(const std::filesystem::path& data) const {
    auto reader = ds::DatasetReader::open(data, {});
    adapter_.check_data(reader->spec(), data.string());
    return reader;
  }

  contract::ModelAdapter adapter_;
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
