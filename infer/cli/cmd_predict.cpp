// storefuse-infer predict: a model over a dataset file, one prediction per
// sample, in the CSV/JSONL format `storefuse abtest` reads.
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "command.h"
#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/core/progress.h"
#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/infer/batch_feeds.h"
#include "storefuse/infer/model.h"
#include "storefuse/infer/model_metadata.h"
#include "storefuse/infer/session.h"
#include "storefuse/metrics/metrics.h"

namespace storefuse::infer::cli {
namespace {

namespace ds = datasets;

// The dataset must feed the model's inputs: same names, dtypes and per-sample
// shapes. The feature spec in the model, when there is one, must match too.
void check_compatible(const Model& model, const ds::FeatureSpec& spec, const std::string& data) {
  auto meta = model.metadata().find(metadata::kFeatureSpec);
  if (meta != model.metadata().end()) {
    auto model_spec = ds::FeatureSpec::from_json_string(meta->second);
    for (int k = 0; k < ds::kNumModalities; ++k) {
      if (model_spec.modalities[k] != spec.modalities[k]) {
        throw Error(ErrorKind::Data,
                    std::string("the dataset's ") + ds::to_string(ds::kModalities[k]) +
                        " features differ from the model's feature spec (shape, dtype or extractor params)",
                    data, "rebuild the dataset with the model's feature spec, or use the matching model");
      }
    }
  }
  for (const ValueInfo& in : model.inputs()) {
    if (in.name == "mask") continue;
    int k = 0;
    while (k < ds::kNumModalities && in.name != ds::to_string(ds::kModalities[k])) ++k;
    if (k == ds::kNumModalities) {
      throw Error(ErrorKind::Model, "model input '" + in.name + "' is not a storefuse modality",
                  "model inputs", "storefuse-infer predict feeds visual, audio, text, sensor and mask");
    }
    const auto& ms = spec.modalities[k];
    bool same = in.dtype == runtime_dtype(ms.dtype) && in.shape.size() == ms.shape.size() + 1;
    for (size_t d = 0; same && d < ms.shape.size(); ++d) same = in.shape[d + 1] == ms.shape[d];
    if (!same) {
      throw Error(ErrorKind::Data, "dataset input '" + in.name + "' does not match the model's " +
                                       to_string(in.dtype) + " " + to_string(in.shape),
                  data, "use a dataset built with the model's feature spec");
    }
  }
}

std::vector<std::string> class_names(const Model& model, const ds::FeatureSpec& spec) {
  auto it = model.metadata().find(metadata::kClassNames);
  if (it == model.metadata().end()) return spec.class_names;
  return json::parse(it->second).get<std::vector<std::string>>();
}

}  // namespace

int run_predict(const std::vector<std::string>& args) {
  po::options_description options("predict options");
  options.add_options()
      ("model,m", po::value<std::string>()->required(), "ONNX model file")
      ("data,d", po::value<std::string>()->required(), "storefuse dataset (.h5)")
      ("out,o", po::value<std::string>()->required(), "predictions: .csv or .jsonl")
      ("batch", po::value<int>()->default_value(1), "samples per run; latency_ms is per run divided by its samples")
      ("threads", po::value<int>()->default_value(1), "threads per run; 0 = all cores");
  po::variables_map vm;
  if (!parse_args("predict", "--model M.onnx --data test.h5 --out preds.csv", options, args, vm)) return 0;
  const std::string out_path = vm["out"].as<std::string>(), data = vm["data"].as<std::string>();
  const bool jsonl = out_path.size() > 6 && out_path.substr(out_path.size() - 6) == ".jsonl";
  if (!jsonl && (out_path.size() < 4 || out_path.substr(out_path.size() - 4) != ".csv")) {
    throw Error(ErrorKind::Usage, "unknown output format", out_path, "name the file .csv or .jsonl");
  }
  const int batch = vm["batch"].as<int>(), threads = vm["threads"].as<int>();
  if (batch < 1 || threads < 0) {
    throw Error(ErrorKind::Usage, "--batch must be >= 1 and --threads >= 0", "storefuse-infer predict");
  }

  auto model = Model::load(vm["model"].as<std::string>());
  auto reader = ds::DatasetReader::open(data, {});
  check_compatible(*model, reader->spec(), data);
  const auto names = class_names(*model, reader->spec());
  const int64_t classes = static_cast<int64_t>(names.size());
  Session session(model, SessionOptions{threads, false, false});

  std::ostringstream out;
  out << std::setprecision(9);
  if (!jsonl) {
    out << "sample_id";
    for (const auto& c : names) out << ",p_" << c;
    out << ",dwell_s,engagement,latency_ms\n";
  }
  metrics::Outputs all{{}, classes, {}, {}};
  metrics::Targets targets;
  const int64_t n = reader->num_rows();
  Progress progress("predict", n, "samples");
  for (int64_t begin = 0; begin < n; begin += batch) {
    ds::Batch b = reader->read(begin, std::min(n, begin + batch));
    auto feeds = feeds_from_batch(b);
    auto start = std::chrono::steady_clock::now();
    auto result = session.run(feeds);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const Tensor& logits = result.at("behavior_logits");
    if (logits.dim(1) != classes) {
      throw Error(ErrorKind::Model, "the model has " + std::to_string(logits.dim(1)) + " classes, its names list " +
                                        std::to_string(classes), vm["model"].as<std::string>());
    }
    std::vector<float> probs(logits.data<float>(), logits.data<float>() + logits.numel());
    metrics::softmax_rows(probs, classes);
    const float* dwell = result.at("dwell_s").data<float>();
    const float* engagement = result.at("engagement").data<float>();
    for (int64_t i = 0; i < b.rows; ++i) {
      const float* p = probs.data() + i * classes;
      if (jsonl) {
        json row = {{"sample_id", std::to_string(b.sample_id[i])}, {"dwell_s", dwell[i]},
                    {"engagement", engagement[i]}, {"latency_ms", ms / b.rows}};
        for (int64_t c = 0; c < classes; ++c) row["p_" + names[c]] = p[c];
        out << row.dump() << "\n";
      } else {
        out << b.sample_id[i];
        for (int64_t c = 0; c < classes; ++c) out << "," << p[c];
        out << "," << dwell[i] << "," << engagement[i] << "," << ms / b.rows << "\n";
      }
    }
    all.probs.insert(all.probs.end(), probs.begin(), probs.end());
    all.dwell_s.insert(all.dwell_s.end(), dwell, dwell + b.rows);
    all.engagement.insert(all.engagement.end(), engagement, engagement + b.rows);
    if (reader->has_targets()) {
      targets.behavior.insert(targets.behavior.end(), b.behavior.begin(), b.behavior.end());
      targets.dwell_s.insert(targets.dwell_s.end(), b.dwell_s.begin(), b.dwell_s.end());
      targets.engagement.insert(targets.engagement.end(), b.engagement.begin(), b.engagement.end());
    }
    progress.advance(b.rows);
  }
  progress.finish();
  write_file_atomic(out_path, out.str());
  std::cout << "wrote " << n << " predictions to " << out_path << "\n";
  if (reader->has_targets()) {
    auto r = metrics::evaluate(all, targets);
    std::cout << std::fixed << std::setprecision(4) << "accuracy " << r.accuracy << "  macro-F1 "
              << r.macro_f1 << "  dwell MAE " << std::setprecision(2) << r.dwell_mae_s
              << " s  engagement r " << std::setprecision(4) << r.engagement_pearson << "\n";
  }
  return 0;
}

}  // namespace storefuse::infer::cli
