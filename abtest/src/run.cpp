#include "storefuse/abtest/run.h"

#include <spdlog/spdlog.h>

#include <optional>
#include <tuple>

#include "storefuse/abtest/inputs.h"
#include "storefuse/abtest/models.h"
#include "storefuse/abtest/offline.h"
#include "storefuse/abtest/online.h"
#include "storefuse/abtest/report.h"
#include "storefuse/core/error.h"

namespace storefuse::abtest {

namespace {

void require(const std::string& value, const std::string& key, const std::string& what) {
  if (value.empty()) {
    throw Error(ErrorKind::Usage, "no " + what + " given", "abtest." + key,
                "set abtest." + key + " in the config, or pass --" + key);
  }
}

PairedData load_pair(const Settings& s) {
  require(s.a, "a", "predictions of model A");
  require(s.b, "b", "predictions of model B");
  require(s.data, "data", "label file");
  spdlog::info("abtest: reading {} (A), {} (B), {} (labels)", s.a, s.b, s.data);
  return align(read_predictions(s.a), read_predictions(s.b), read_labels(s.data), s.classes);
}

const ModelBackend& backend_for(const std::string& path, const std::string& key) {
  if (const ModelBackend* b = find_model_backend(path)) return *b;
  if (std::filesystem::is_directory(path) && !std::filesystem::exists(std::filesystem::path(path) / "config.yaml")) {
    throw Error(ErrorKind::Model, "not a storefuse run directory: it has no config.yaml", "abtest." + key + " = " + path,
                "pass a run directory written by storefuse train, an exported .onnx file or a prediction file");
  }
  throw Error(ErrorKind::Unsupported, "no backend runs this kind of model in this build", "abtest." + key + " = " + path,
              std::filesystem::is_directory(path)
                  ? "run directories need the LibTorch build of storefuse; or export the run and pass the .onnx file"
                  : "pass an .onnx file, a run directory or a prediction file");
}

// The first field where two feature specs (JSON) differ, e.g.
// "modalities.text.shape: A [768], B [32]"; empty when equal.
std::string spec_difference(const json& a, const json& b, const std::string& at = "") {
  if (a.is_object() && b.is_object()) {
    for (const auto& [k, v] : a.items()) {
      const std::string path = at.empty() ? k : at + "." + k;
      if (!b.contains(k)) return path + ": only in A";
      if (auto d = spec_difference(v, b[k], path); !d.empty()) return d;
    }
    for (const auto& [k, v] : b.items()) {
      if (!a.contains(k)) return (at.empty() ? k : at + "." + k) + ": only in B";
    }
    return "";
  }
  return a == b ? "" : at + ": A " + a.dump() + ", B " + b.dump();
}

void check_same_inputs(const ModelFacts& a, const ModelFacts& b, const Settings& s) {
  if (a.feature_spec.empty() || b.feature_spec.empty()) return;
  json ja = json::parse(a.feature_spec), jb = json::parse(b.feature_spec);
  ja.erase("class_names");  // class sets are compared by align(), with their own message
  jb.erase("class_names");
  const std::string diff = spec_difference(ja, jb);
  if (!diff.empty()) {
    throw Error(ErrorKind::Data, "models A and B take different inputs (feature spec " + diff + ")",
                s.a + " vs " + s.b,
                "compare models trained on the same feature spec; a paired comparison feeds both the same samples");
  }
}

// Model inputs: predictions through the backends, the operational
// measurements when both are models, drift against each model's summary.
PairedData load_models(const Settings& s, OfflineResult& extra) {
  require(s.a, "a", "model A");
  require(s.b, "b", "model B");
  require(s.data, "data", "evaluation dataset");
  const auto ext = std::filesystem::path(s.data).extension();
  if (ext != ".h5" && ext != ".hdf5") {
    throw Error(ErrorKind::Usage, "a model input needs a storefuse dataset to run on", "abtest.data = " + s.data,
                "pass the evaluation set as a .h5 dataset (datagen's test.h5); label files only go with prediction files");
  }
  const bool a_model = is_model_path(s.a), b_model = is_model_path(s.b), both = a_model && b_model;
  Operational op;
  op.options = {s.threads, s.latency_warmup, s.latency_samples, s.memory};
  op.memory_method = "peak resident-set growth (VmHWM - VmRSS) of a forked child that loads the model and runs " +
                     std::to_string(std::max(1, s.latency_warmup)) + " rows at batch 1";
  if (both && s.memory) {  // first, before this process runs any model (fork-safety of thread pools)
    for (auto [path, key, side] : {std::tuple{&s.a, "a", &op.a}, std::tuple{&s.b, "b", &op.b}}) {
      spdlog::info("abtest: measuring the peak memory of {}", *path);
      side->peak_memory_bytes = measure_peak_memory(backend_for(*path, key), *path, s.data, op.options, side->memory_note);
    }
  }
  std::unique_ptr<ModelRunner> ra, rb;
  if (a_model) ra = backend_for(s.a, "a").open(s.a, {s.threads});
  if (b_model) rb = backend_for(s.b, "b").open(s.b, {s.threads});
  if (both) check_same_inputs(ra->facts(), rb->facts(), s);
  spdlog::info("abtest: predicting {} (A) and {} (B) on {}", s.a, s.b, s.data);
  PairedData d = align(ra ? ra->predict(s.data) : read_predictions(s.a), rb ? rb->predict(s.data) : read_predictions(s.b),
                       read_labels(s.data), s.classes);
  if (both) {
    op.a.file_bytes = ra->facts().file_bytes;
    op.b.file_bytes = rb->facts().file_bytes;
    if (s.latency_samples > 0) {
      const int64_t rows = std::min<int64_t>(int64_t(d.size()), std::max(1, s.latency_samples));
      ra->prepare(s.data, rows);
      rb->prepare(s.data, rows);
      spdlog::info("abtest: timing {} + {} batch-1 runs of each model, interleaved", s.latency_warmup, s.latency_samples);
      measure_latency(*ra, *rb, rows, op);
      d.latency_a_ms = op.a.latency_ms;
      d.latency_b_ms = op.b.latency_ms;
    }
    extra.operational = op;
  }
  std::optional<metrics::FeatureStats> current;
  for (auto [runner, name] : {std::pair{ra.get(), s.name_a}, std::pair{rb.get(), s.name_b}}) {
    if (!runner) continue;
    ModelDrift md{name, false, runner->facts().summary_source, {}};
    if (!runner->facts().feature_summary.is_null()) {
      if (!current) current = metrics::feature_statistics(s.data);
      md.report = metrics::compare_features(runner->facts().feature_summary, *current);
      md.available = true;
    }
    extra.drift.push_back(md);
  }
  return d;
}

void finish(const Settings& s, const Report& rep) {
  write_report(s.out, rep);
  spdlog::info("abtest: {} - report in {}/report.html", rep.verdict.decision, s.out);
}

}  // namespace

Verdict run_compare(const Settings& s) {
  OfflineResult extra;
  const bool models = is_model_path(s.a) || is_model_path(s.b);
  const PairedData data = models ? load_models(s, extra) : load_pair(s);
  OfflineResult result = compare_offline(data, s);
  result.operational = std::move(extra.operational);
  result.drift = std::move(extra.drift);
  Report rep{"offline", s, &result, nullptr, decide_offline(result, s), {}};
  finish(s, rep);
  return rep.verdict;
}

Verdict run_simulate(const Settings& s) {
  OfflineResult unused;
  const PairedData data = is_model_path(s.a) || is_model_path(s.b) ? load_models(s, unused) : load_pair(s);
  const auto log = simulate_experiment(data, s.online);
  const std::string log_path = s.out + "/log.csv";
  std::filesystem::create_directories(s.out);
  write_log(log_path, log);
  Settings effective = s;
  effective.online.higher_is_better = outcome_higher_is_better(s.online.outcome);
  OnlineResult result = analyse_online(log, effective.online, s.decision.alpha);
  result.outcome = s.online.outcome;
  Report rep{"simulate", effective, nullptr, &result, decide_online(result, effective), log_path};
  finish(s, rep);
  return rep.verdict;
}

Verdict run_analyse(const Settings& s) {
  require(s.online.log, "log", "online log");
  OnlineResult result = analyse_online(read_log(s.online.log), s.online, s.decision.alpha);
  result.outcome = "outcome";
  Report rep{"analyse", s, nullptr, &result, decide_online(result, s), s.online.log};
  finish(s, rep);
  return rep.verdict;
}

}  // namespace storefuse::abtest
