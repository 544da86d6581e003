#include "storefuse/train/trained_model.h"

#include "storefuse/core/error.h"

namespace storefuse::train {
namespace fs = std::filesystem;
namespace {

struct Difference {
  std::string path;  // "feature_spec.modalities.text.shape"; empty when equal
  std::string model, data;
};

std::string brief(const json* v) {
  if (!v) return "(absent)";
  std::string s = v->dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

// The first key path under which two JSON values differ.
Difference first_difference(const json& a, const json& b, const std::string& path) {
  if (a == b) return {};
  if (a.is_object() && b.is_object()) {
    for (const auto& [key, value] : a.items()) {
      if (!b.contains(key)) return {path + "." + key, brief(&value), brief(nullptr)};
      auto d = first_difference(value, b.at(key), path + "." + key);
      if (!d.path.empty()) return d;
    }
    for (const auto& [key, value] : b.items()) {
      if (!a.contains(key)) return {path + "." + key, brief(nullptr), brief(&value)};
    }
  }
  return {path, brief(&a), brief(&b)};
}

}  // namespace

TrainedModel load_trained_model(const fs::path& run_dir, const std::string& checkpoint) {
  if (checkpoint != "best" && checkpoint != "last") {
    throw Error(ErrorKind::Usage, "unknown checkpoint '" + checkpoint + "'", "--checkpoint",
                "use best or last");
  }
  if (!fs::is_regular_file(run_dir / "config.yaml")) {
    throw Error(ErrorKind::Io, "no run directory (a directory with config.yaml)", run_dir.string(),
                "pass the run's directory, e.g. runs/<run.name>; `storefuse runs` lists them");
  }
  TrainedModel t;
  t.config = config::load(run_dir / "config.yaml");
  t.checkpoint = run_dir / (checkpoint + ".pt");
  if (!fs::exists(t.checkpoint)) {
    throw Error(ErrorKind::Model, "the run has no " + checkpoint + " checkpoint", t.checkpoint.string(),
                checkpoint == "best" ? "it is written after the first validation; try --checkpoint last"
                                     : "train the run first");
  }
  torch::serialize::InputArchive archive, weights;
  c10::IValue spec_json;
  try {
    archive.load_from(t.checkpoint.string());
    archive.read("feature_spec", spec_json);
    archive.read("model", weights);
  } catch (const c10::Error& e) {
    throw Error(ErrorKind::Model, std::string("cannot read checkpoint: ") + e.what_without_backtrace(),
                t.checkpoint.string());
  }
  t.spec = datasets::FeatureSpec::from_json_string(spec_json.toStringRef());
  t.model = make_model(t.config["model"], t.spec);
  try {
    t.model->load(weights);
  } catch (const c10::Error& e) {
    throw Error(ErrorKind::Model,
                std::string("the checkpoint does not fit the run's model: ") + e.what_without_backtrace(),
                t.checkpoint.string(), "was config.yaml edited after training?");
  }
  t.model->eval();
  return t;
}

void check_feature_spec(const datasets::FeatureSpec& model, const datasets::FeatureSpec& data,
                        const std::string& data_name) {
  const auto d = first_difference(model.to_json(), data.to_json(), "feature_spec");
  if (d.path.empty()) return;
  throw Error(ErrorKind::Data,
              "the dataset's feature spec differs from the model's at " + d.path + ": model " +
                  d.model + ", data " + d.data,
              data_name,
              "evaluate on data built with the model's feature pipeline (same flavour, shapes, "
              "tokenizer and normalisation statistics)");
}

}  // namespace storefuse::train
