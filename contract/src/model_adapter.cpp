#include "storefuse/contract/model_adapter.h"

#include <algorithm>
#include <cstring>

#include "storefuse/contract/model_io.h"
#include "storefuse/core/error.h"
#include "storefuse/core/json.h"
#include "storefuse/infer/model_metadata.h"

namespace storefuse::contract {
namespace {

namespace ds = datasets;

infer::DType runtime_dtype(ds::DType t) {
  switch (t) {
    case ds::DType::Float32: return infer::DType::Float32;
    case ds::DType::UInt8: return infer::DType::UInt8;
    case ds::DType::Int32: return infer::DType::Int32;
  }
  return infer::DType::Float32;
}

int modality_of(const std::string& name) {
  for (int k = 0; k < ds::kNumModalities; ++k) {
    if (name == ds::to_string(ds::kModalities[k])) return k;
  }
  return -1;
}

std::string names_of(const std::vector<infer::ValueInfo>& values) {
  std::string s;
  for (const auto& v : values) s += (s.empty() ? "" : ", ") + v.name;
  return s.empty() ? "none" : s;
}

const infer::ValueInfo* find(const std::vector<infer::ValueInfo>& values, const char* name) {
  for (const auto& v : values) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

// Rows [begin, begin + n) of a dataset column into a tensor of `rows` rows
// (rows >= n; the rest stays zero).
infer::Tensor rows_of(const ds::Array& a, infer::DType dtype, int64_t begin, int64_t n, int64_t rows) {
  infer::Shape shape = a.shape;
  shape[0] = rows;
  infer::Tensor t(dtype, shape);
  const int64_t w = a.row_bytes();
  std::memcpy(t.raw(), a.bytes.data() + begin * w, size_t(n * w));
  return t;
}

// The presence mask in the element type the model declares for it.
infer::Tensor mask_of(const ds::Batch& b, infer::DType dtype, int64_t begin, int64_t n, int64_t rows,
                      const std::string& where) {
  infer::Tensor t(dtype, {rows, ds::kNumModalities});
  const uint8_t* m = b.mask.data() + begin * ds::kNumModalities;
  const int64_t count = n * ds::kNumModalities;
  switch (dtype) {
    case infer::DType::UInt8: std::memcpy(t.raw(), m, size_t(count)); break;
    case infer::DType::Bool: {
      bool* out = t.data<bool>();
      for (int64_t i = 0; i < count; ++i) out[i] = m[i] != 0;
      break;
    }
    case infer::DType::Float32: {
      float* out = t.data<float>();
      for (int64_t i = 0; i < count; ++i) out[i] = m[i] ? 1.0f : 0.0f;
      break;
    }
    default:
      throw Error(ErrorKind::Model, std::string("model input 'mask' is ") + infer::to_string(dtype), where,
                  "declare the mask as uint8, bool or float32 [batch, 4]");
  }
  return t;
}

// Appends the first `keep` rows of an output of `per_row` floats for each of
// `rows` rows to `dst`.
void take(const std::map<std::string, infer::Tensor>& out, const char* name, int64_t rows, int64_t per_row,
          int64_t keep, const std::string& where, std::vector<float>& dst) {
  const infer::Tensor& t = out.at(name);
  if (t.dtype() != infer::DType::Float32 || t.numel() != rows * per_row) {
    throw Error(ErrorKind::Model,
                std::string("model output '") + name + "' is " + infer::to_string(t.dtype()) + " " +
                    infer::to_string(t.shape()) + ", expected float32 with " + std::to_string(per_row) +
                    " value(s) for each of " + std::to_string(rows) + " rows",
                where, "export the model with storefuse export, or name its outputs after docs/export.md");
  }
  dst.insert(dst.end(), t.data<float>(), t.data<float>() + keep * per_row);
}

}  // namespace

ModelAdapter::ModelAdapter(std::shared_ptr<const infer::Model> model, std::string where)
    : model_(std::move(model)), where_(std::move(where)), run_options_{{kOutputs.begin(), kOutputs.end()}} {
  const auto& meta = model_->metadata();
  if (auto it = meta.find(infer::metadata::kFeatureSpec); it != meta.end()) {
    spec_ = ds::FeatureSpec::from_json_string(it->second);
  }
  for (const infer::ValueInfo& in : model_->inputs()) {
    const int k = modality_of(in.name);
    if (k >= 0) {
      reads_[size_t(k)] = true;
    } else if (in.name == kMaskInput) {
      takes_mask_ = true;
    } else {
      throw Error(ErrorKind::Model, "model input '" + in.name + "' is not a storefuse input", where_,
                  "a storefuse model's inputs are among visual, audio, text, sensor and mask (docs/export.md)");
    }
    if (in.shape.empty()) {
      throw Error(ErrorKind::Model, "model input '" + in.name + "' has no batch dimension", where_,
                  "export with a leading batch axis");
    }
    if (in.shape[0] > 0) {
      if (fixed_batch_ > 0 && fixed_batch_ != in.shape[0]) {
        throw Error(ErrorKind::Model, "the model's inputs disagree on their fixed batch size", where_,
                    "export with one batch axis, ideally dynamic");
      }
      fixed_batch_ = in.shape[0];
    }
  }
  if (std::none_of(reads_.begin(), reads_.end(), [](bool r) { return r; })) {
    throw Error(ErrorKind::Model, "the model reads no modality (inputs: " + names_of(model_->inputs()) + ")",
                where_, "a storefuse model reads at least one of visual, audio, text and sensor");
  }
  for (const char* name : kOutputs) {
    if (!find(model_->outputs(), name)) {
      throw Error(ErrorKind::Model,
                  std::string("the model has no output named '") + name + "' (outputs: " +
                      names_of(model_->outputs()) + ")",
                  where_, "a storefuse model's outputs are behavior_logits, dwell_s and engagement (docs/export.md)");
    }
  }
}

ModelAdapter ModelAdapter::load(const std::string& path, const infer::LoadOptions& options) {
  return ModelAdapter(infer::Model::load(path, options), path);
}

std::vector<std::string> ModelAdapter::class_names(const ds::FeatureSpec* data_spec) const {
  if (auto it = model_->metadata().find(infer::metadata::kClassNames); it != model_->metadata().end()) {
    const json names = parse_json(it->second, where_ + ": metadata " + infer::metadata::kClassNames, {1 << 20, 2});
    if (!names.is_array() || names.empty() ||
        !std::all_of(names.begin(), names.end(), [](const json& n) { return n.is_string(); })) {
      throw Error(ErrorKind::Model, std::string("metadata ") + infer::metadata::kClassNames + " is not a list of class names",
                  where_, "re-export the model");
    }
    return names.get<std::vector<std::string>>();
  }
  if (spec_ && !spec_->class_names.empty()) return spec_->class_names;
  if (data_spec && !data_spec->class_names.empty()) return data_spec->class_names;
  const infer::ValueInfo* logits = find(model_->outputs(), kBehaviorLogits);
  std::vector<std::string> names;
  if (logits->shape.size() == 2 && logits->shape[1] > 0) {
    for (int64_t c = 0; c < logits->shape[1]; ++c) names.push_back("class_" + std::to_string(c));
  }
  return names;
}

void ModelAdapter::check_data(const ds::FeatureSpec& data_spec, const std::string& data) const {
  for (const infer::ValueInfo& in : model_->inputs()) {
    const int k = modality_of(in.name);
    if (k < 0) continue;
    const ds::ModalitySpec& have = data_spec.modalities[size_t(k)];
    if (spec_ && spec_->modalities[size_t(k)] != have) {
      const ds::ModalitySpec& want = spec_->modalities[size_t(k)];
      throw Error(ErrorKind::Data,
                  "the dataset's " + in.name + " input (" + ds::to_string(have.dtype) + " " +
                      json(have.shape).dump() + ") differs from the model's feature spec (" +
                      ds::to_string(want.dtype) + " " + json(want.shape).dump() +
                      (want.shape == have.shape ? ", extractor params" : "") + ")",
                  data + " vs " + where_, "use a dataset built with the model's feature spec, or the matching model");
    }
    bool same = in.dtype == runtime_dtype(have.dtype) && in.shape.size() == have.shape.size() + 1;
    for (size_t d = 0; same && d < have.shape.size(); ++d) same = in.shape[d + 1] < 0 || in.shape[d + 1] == have.shape[d];
    if (!same) {
      throw Error(ErrorKind::Data,
                  "the dataset's " + in.name + " input (" + ds::to_string(have.dtype) + " " + json(have.shape).dump() +
                      " per sample) does not match the model's " + infer::to_string(in.dtype) + " " +
                      infer::to_string(in.shape),
                  data + " vs " + where_, "use a dataset built with the model's feature spec");
    }
  }
}

std::map<std::string, infer::Tensor> ModelAdapter::feeds(const ds::Batch& b, int64_t begin, int64_t n,
                                                         int64_t rows) const {
  std::map<std::string, infer::Tensor> feeds;
  for (const infer::ValueInfo& in : model_->inputs()) {
    const int k = modality_of(in.name);
    feeds[in.name] = k >= 0 ? rows_of(b.inputs[size_t(k)], in.dtype, begin, n, rows)
                            : mask_of(b, in.dtype, begin, n, rows, where_);
  }
  return feeds;
}

std::map<std::string, infer::Tensor> ModelAdapter::feeds(const ds::Batch& b) const {
  return feeds(b, 0, b.rows, fixed_batch_ > 0 ? std::max(fixed_batch_, b.rows) : b.rows);
}

ModelOutputs ModelAdapter::run(infer::Session& session, const ds::Batch& b) const {
  const int64_t piece = fixed_batch_ > 0 ? fixed_batch_ : std::max<int64_t>(b.rows, 1);
  ModelOutputs o;
  o.rows = b.rows;
  for (int64_t begin = 0; begin < b.rows; begin += piece) {
    const int64_t n = std::min(piece, b.rows - begin);
    const int64_t rows = fixed_batch_ > 0 ? fixed_batch_ : n;  // a fixed batch is padded with zero rows
    const ModelOutputs part = outputs(session.run(feeds(b, begin, n, rows), run_options_), rows, n);
    o.classes = part.classes;
    o.behavior_logits.insert(o.behavior_logits.end(), part.behavior_logits.begin(), part.behavior_logits.end());
    o.dwell_s.insert(o.dwell_s.end(), part.dwell_s.begin(), part.dwell_s.end());
    o.engagement.insert(o.engagement.end(), part.engagement.begin(), part.engagement.end());
  }
  return o;
}

ModelOutputs ModelAdapter::outputs(const std::map<std::string, infer::Tensor>& out, int64_t rows, int64_t n) const {
  auto logits = out.find(kBehaviorLogits);
  if (logits == out.end() || logits->second.rank() != 2 || logits->second.dim(0) != rows) {
    throw Error(ErrorKind::Model,
                std::string("model output '") + kBehaviorLogits + "' is " +
                    (logits == out.end() ? std::string("missing") : infer::to_string(logits->second.shape())) +
                    ", expected [" + std::to_string(rows) + ", classes]",
                where_, "export the model with storefuse export");
  }
  ModelOutputs o;
  o.rows = n;
  o.classes = logits->second.dim(1);
  take(out, kBehaviorLogits, rows, o.classes, n, where_, o.behavior_logits);
  take(out, kDwellS, rows, 1, n, where_, o.dwell_s);
  take(out, kEngagement, rows, 1, n, where_, o.engagement);
  return o;
}

void ModelAdapter::append(const ModelOutputs& o, metrics::Outputs& all) const {
  if (o.rows == 0) return;
  if (all.n_classes != o.classes) {
    throw Error(ErrorKind::Model,
                "the model has " + std::to_string(o.classes) + " classes, its class names list " +
                    std::to_string(all.n_classes),
                where_, "re-export the model with its class names, or evaluate on the dataset it was trained for");
  }
  std::vector<float> probs = o.behavior_logits;
  metrics::softmax_rows(probs, o.classes);
  all.probs.insert(all.probs.end(), probs.begin(), probs.end());
  all.dwell_s.insert(all.dwell_s.end(), o.dwell_s.begin(), o.dwell_s.end());
  all.engagement.insert(all.engagement.end(), o.engagement.begin(), o.engagement.end());
}

}  // namespace storefuse::contract
