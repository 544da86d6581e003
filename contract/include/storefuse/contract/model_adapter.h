// The model adapter: runs any ONNX model with storefuse's inputs and outputs
// over dataset rows (a datasets::Batch, from an HDF5 file or from the
// feature pipeline), and is the only code that does.
//
//   contract::ModelAdapter adapter(infer::Model::load("model.onnx"), "model.onnx");
//   adapter.check_data(reader->spec(), "test.h5");
//   infer::Session session(adapter.shared_model());
//   metrics::Outputs all{{}, adapter.num_classes(), {}, {}};
//   adapter.append(adapter.run(session, reader->read(0, 64)), all);
//
// It feeds exactly the inputs the model declares: a model without `mask`
// (a plain torch.onnx export) gets none, and an input that is neither a
// modality nor `mask` is an error naming it. Outputs are taken by name
// (contract/model_io.h). Class names come from the model's metadata, else
// from the dataset's feature spec, else `class_<i>`. Immutable once built:
// share one adapter between threads, each with its own Session.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storefuse/datasets/batch.h"
#include "storefuse/infer/model.h"
#include "storefuse/infer/session.h"
#include "storefuse/metrics/metrics.h"

namespace storefuse::contract {

// One run's outputs, by the contract's names; rows of the batch in order.
struct ModelOutputs {
  int64_t rows = 0;
  int64_t classes = 0;
  std::vector<float> behavior_logits;  // [rows, classes]
  std::vector<float> dwell_s;          // [rows]
  std::vector<float> engagement;       // [rows]
};

class ModelAdapter {
 public:
  // Throws Error(Model) when the model's inputs or outputs break the
  // contract; `where` names the model in errors (usually its path).
  ModelAdapter(std::shared_ptr<const infer::Model> model, std::string where);
  static ModelAdapter load(const std::string& path, const infer::LoadOptions& options = {});

  const infer::Model& model() const { return *model_; }
  const std::shared_ptr<const infer::Model>& shared_model() const { return model_; }
  const std::string& where() const { return where_; }
  // The feature spec in the model's metadata, when it carries one.
  const std::optional<datasets::FeatureSpec>& feature_spec() const { return spec_; }
  // Which modalities the model reads, and whether it takes a mask.
  bool reads(datasets::Modality m) const { return reads_[static_cast<int>(m)]; }
  bool takes_mask() const { return takes_mask_; }
  // Classes from the model's metadata, else `data_spec`'s, else class_<i>
  // when the model declares a fixed class dimension. Empty only when
  // none of them says.
  std::vector<std::string> class_names(const datasets::FeatureSpec* data_spec = nullptr) const;

  // Checks that rows shaped after `data_spec` feed this model: each input
  // the model declares has the dataset's dtype and per-sample shape, and the
  // model's own feature spec (if any) equals the dataset's for each
  // modality it reads. Throws Error(Data) naming the modality and `data`.
  void check_data(const datasets::FeatureSpec& data_spec, const std::string& data) const;

  // The feeds for `b`: exactly the inputs the model declares (a model with
  // a fixed batch dimension gets its rows padded with zeros up to it; more
  // rows than that go through run(), which splits them).
  std::map<std::string, infer::Tensor> feeds(const datasets::Batch& b) const;
  // Runs `b` through `session` (a Session over this adapter's model). A
  // model with a fixed batch dimension runs in pieces of that size.
  ModelOutputs run(infer::Session& session, const datasets::Batch& b) const;
  // The contract's outputs of one run over feeds(b) (`rows` rows, a fixed
  // batch's padding included), the first `n` rows of them. Throws
  // Error(Model) for a missing or misshapen output.
  ModelOutputs outputs(const std::map<std::string, infer::Tensor>& out, int64_t rows, int64_t n) const;
  // The outputs run() asks a Session for: the contract's, and no others.
  const infer::RunOptions& run_options() const { return run_options_; }
  // Appends `o` to `all` as probabilities (softmax of the logits). Throws
  // Error(Model) when the class count differs from all.n_classes.
  void append(const ModelOutputs& o, metrics::Outputs& all) const;

 private:
  // Rows [begin, begin + n) of `b` as feeds of `rows` rows (zeros past n).
  std::map<std::string, infer::Tensor> feeds(const datasets::Batch& b, int64_t begin, int64_t n,
                                             int64_t rows) const;

  std::shared_ptr<const infer::Model> model_;
  std::string where_;
  std::optional<datasets::FeatureSpec> spec_;
  std::array<bool, datasets::kNumModalities> reads_{};
  bool takes_mask_ = false;
  int64_t fixed_batch_ = -1;  // the inputs' batch dimension when fixed
  infer::RunOptions run_options_;  // the contract's outputs, and no others
};

}  // namespace storefuse::contract
