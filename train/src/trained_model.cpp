#include "storefuse/train/trained_model.h"

#include <set>

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

// Where the weights and the model built from the run's config disagree: the
// first parameter or buffer the checkpoint lacks, holds at another shape, or
// holds beyond the model. Empty when they fit. (Module::load checks neither
// shapes nor extra entries.)
std::string weights_misfit(const torch::nn::Module& m, torch::serialize::InputArchive& a,
                           const std::string& prefix) {
  auto shape = [](const torch::Tensor& t) { return json(t.sizes().vec()).dump(); };
  std::set<std::string> known{"training"};
  for (const auto& named : {m.named_parameters(false), m.named_buffers(false)}) {
    for (const auto& item : named) {
      const std::string& key = item.key();
      const torch::Tensor& t = item.value();
      known.insert(key);
      torch::Tensor stored;
      if (!a.try_read(key, stored)) return "'" + prefix + key + "' " + shape(t) + " is missing from the checkpoint";
      if (stored.sizes() != t.sizes()) {
        return "'" + prefix + key + "' is " + shape(stored) + " in the checkpoint, " + shape(t) + " in the model";
      }
    }
  }
  for (const auto& item : m.named_children()) {
    const std::string& key = item.key();
    known.insert(key);
    torch::serialize::InputArchive sub;
    if (!a.try_read(key, sub)) return "module '" + prefix + key + "' is missing from the checkpoint";
    auto misfit = weights_misfit(*item.value(), sub, prefix + key + ".");
    if (!misfit.empty()) return misfit;
  }
  for (const auto& key : a.keys()) {
    if (!known.count(key)) return "the checkpoint holds '" + prefix + key + "', which the model has not";
  }
  return {};
}

// For a checkpoint inside another run directory: the first model key where
// that run's config differs from this one's ("model.params.embed_dim: this
// run 16, the checkpoint's run 8"); empty when unknown or equal.
std::string config_difference(const config::Node& config, const fs::path& checkpoint) {
  const fs::path other = checkpoint.parent_path() / "config.yaml";
  if (!fs::is_regular_file(other)) return {};
  try {
    const json mine = config["model"].to_json(), theirs = config::load(other)["model"].to_json();
    auto d = mine.value("type", "") != theirs.value("type", "")
                 ? first_difference(mine["type"], theirs["type"], "model.type")
                 : first_difference(mine, theirs, "model");
    return d.path.empty() ? "" : d.path + ": this run " + d.model + ", the checkpoint's run " + d.data;
  } catch (const Error&) {
    return {};
  }
}

fs::path checkpoint_file(const fs::path& run_dir, const std::string& checkpoint) {
  if (checkpoint == "best" || checkpoint == "last") return run_dir / (checkpoint + ".pt");
  if (checkpoint.empty()) {
    throw Error(ErrorKind::Usage, "empty checkpoint", "--checkpoint", "use best, last or a .pt file");
  }
  return checkpoint;
}

}  // namespace

TrainedModel load_trained_model(const fs::path& run_dir, const std::string& checkpoint) {
  if (!fs::is_regular_file(run_dir / "config.yaml")) {
    throw Error(ErrorKind::Io, "no run directory (a directory with config.yaml)", run_dir.string(),
                "pass the run's directory, e.g. runs/<run.name>; `storefuse runs` lists them");
  }
  TrainedModel t;
  try {
    t.config = config::load(run_dir / "config.yaml");
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::Config) throw;
    // A config.yaml that storefuse did not write (or an older storefuse).
    throw Error(ErrorKind::Model,
                "not a storefuse run directory: its config.yaml does not read as a run's (" + e.problem() + " at " +
                    e.where() + ")",
                run_dir.string(), "pass a run directory written by storefuse train (to abtest, or export the run and pass the .onnx)");
  }
  t.checkpoint = checkpoint_file(run_dir, checkpoint);
  if (!fs::is_regular_file(t.checkpoint)) {
    const bool named = checkpoint == "best" || checkpoint == "last";
    throw Error(named ? ErrorKind::Model : ErrorKind::Io,
                named ? "the run has no " + checkpoint + " checkpoint" : "no checkpoint file",
                t.checkpoint.string(),
                checkpoint == "best" ? "it is written after the first validation; try --checkpoint last"
                : named ? "train the run first"
                        : "pass best, last or a checkpoint file such as " + (run_dir / "epoch-1.pt").string());
  }
  torch::serialize::InputArchive archive, weights;
  c10::IValue spec_json;
  try {
    archive.load_from(t.checkpoint.string());
    archive.read("feature_spec", spec_json);
    archive.read("model", weights);
  } catch (const c10::Error& e) {
    throw Error(ErrorKind::Model, std::string("cannot read checkpoint: ") + e.what_without_backtrace(),
                t.checkpoint.string(), "is it a storefuse checkpoint (best.pt, last.pt, epoch-<K>.pt)?");
  }
  t.spec = datasets::FeatureSpec::from_json_string(spec_json.toStringRef());
  t.model = make_model(t.config["model"], t.spec);
  const std::string misfit = weights_misfit(*t.model, weights, "");
  if (!misfit.empty()) {
    const std::string differs = config_difference(t.config, t.checkpoint);
    throw Error(ErrorKind::Model,
                "the checkpoint does not fit the model of " + (run_dir / "config.yaml").string() + " (" +
                    t.config["model"]["type"].as_string() + "): " + misfit +
                    (differs.empty() ? "" : "; the configs differ at " + differs),
                t.checkpoint.string(),
                "pass the run the checkpoint was trained in as --run, or a checkpoint of this run "
                "(best, last, epoch-<K>.pt)");
  }
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
