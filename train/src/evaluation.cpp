#include "storefuse/train/evaluation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/core/json.h"
#include "storefuse/core/progress.h"
#include "storefuse/datasets/loader.h"
#include "storefuse/train/batch_tensors.h"
#include "storefuse/train/train_options.h"
#include "storefuse/train/trained_model.h"
#include "storefuse/train/trainer.h"

namespace storefuse::train {
namespace fs = std::filesystem;
namespace {

const std::vector<std::string> kSliceNames = {"store_id", "camera_id", "missing_modality"};

template <class T>
void append(std::vector<T>& dst, const torch::Tensor& t) {
  auto c = t.detach().to(torch::kCPU, c10::CppTypeToScalarType<T>::value).contiguous();
  dst.insert(dst.end(), c.template data_ptr<T>(), c.template data_ptr<T>() + c.numel());
}

std::string fmt(double v, const char* format = "%.4f") {
  if (std::isnan(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// Slice keys in a readable order: numbers by value, then names.
std::vector<std::string> sorted_keys(const std::map<std::string, metrics::Report>& reports) {
  std::vector<std::string> keys;
  for (const auto& item : reports) keys.push_back(item.first);
  std::sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  return keys;
}

std::string slices_markdown(const std::string& slice, const std::map<std::string, metrics::Report>& reports) {
  std::ostringstream md;
  md << "## By " << slice << "\n\n| " << slice
     << " | samples | accuracy | macro-F1 | top-2 | ECE | dwell MAE (s) | dwell RMSE (s) | "
        "engagement r | engagement rho |\n|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& key : sorted_keys(reports)) {
    const auto& r = reports.at(key);
    md << "| " << key << " | " << r.n << " | " << fmt(r.accuracy) << " | " << fmt(r.macro_f1) << " | "
       << fmt(r.top2_accuracy) << " | " << fmt(r.ece) << " | " << fmt(r.dwell_mae_s, "%.2f") << " | "
       << fmt(r.dwell_rmse_s, "%.2f") << " | " << fmt(r.engagement_pearson) << " | "
       << fmt(r.engagement_spearman) << " |\n";
  }
  return md.str();
}

std::string modality_list(const datasets::ModalitySet& set) {
  std::string s;
  for (const auto& name : datasets::modality_names(set)) s += (s.empty() ? "" : ", ") + name;
  return s;
}

}  // namespace

Predictions predict(FusionModelImpl& model, std::shared_ptr<const datasets::DatasetReader> reader,
                    const PredictOptions& options) {
  if (!reader->has_targets()) {
    throw Error(ErrorKind::Data, "evaluation needs a labelled dataset (has_targets = 0)",
                reader->path().string());
  }
  const int64_t classes = static_cast<int64_t>(reader->spec().class_names.size());
  datasets::LoaderOptions lo;
  lo.batch_size = options.batch_size;
  lo.shuffle = false;
  lo.modalities = options.modalities;
  datasets::Loader loader({std::move(reader)}, lo);
  Predictions p;
  p.outputs.n_classes = classes;
  auto& store = p.slice_keys["store_id"];
  auto& camera = p.slice_keys["camera_id"];
  auto& missing = p.slice_keys["missing_modality"];

  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  std::unique_ptr<Progress> progress;
  if (options.progress) progress = std::make_unique<Progress>("eval", loader.num_samples(), "samples");
  World* world = options.world;
  // Distributed: each rank's outputs in its batches' rows, zeros elsewhere.
  torch::Tensor table = world ? torch::zeros({loader.num_samples(), classes + 2}) : torch::Tensor();
  int64_t index = -1;
  loader.start_epoch(0);
  while (auto batch = loader.next()) {
    ++index;
    auto b = to_tensors(*batch, torch::kCPU);
    if (!world) {
      auto out = model.forward(b.input);
      append(p.outputs.probs, torch::softmax(out.behavior_logits, 1));
      append(p.outputs.dwell_s, out.dwell_s);
      append(p.outputs.engagement, out.engagement);
    } else if (index % world->size() == world->rank()) {
      auto out = model.forward(b.input);
      auto rows = table.narrow(0, index * options.batch_size, batch->rows);
      rows.narrow(1, 0, classes).copy_(torch::softmax(out.behavior_logits, 1));
      rows.narrow(1, classes, 1).copy_(out.dwell_s.reshape({-1, 1}));
      rows.narrow(1, classes + 1, 1).copy_(out.engagement.reshape({-1, 1}));
    }
    append(p.targets.behavior, b.targets.behavior);
    append(p.targets.dwell_s, b.targets.dwell_s);
    append(p.targets.engagement, b.targets.engagement);
    for (int64_t r = 0; r < batch->rows; ++r) {
      store.push_back(std::to_string(batch->store_id[r]));
      camera.push_back(std::to_string(batch->camera_id[r]));
      missing.push_back(metrics::missing_modality_key(&batch->mask[r * kNumModalities]));
    }
    if (progress) progress->advance(batch->rows);
  }
  if (progress) progress->finish();
  model.train(was_training);
  if (world) {
    world->all_reduce_sum(table, "the evaluation all-reduce");  // x + 0 is exact
    append(p.outputs.probs, table.narrow(1, 0, classes));
    append(p.outputs.dwell_s, table.narrow(1, classes, 1));
    append(p.outputs.engagement, table.narrow(1, classes + 1, 1));
  }
  return p;
}

// RetailSim's oracle for this split, when the dataset is a split that
// `storefuse datagen` wrote (its datagen_report.json beside it, keyed by the
// file's stem) and every row of it was evaluated; null otherwise.
json retailsim_oracle(const fs::path& data, int64_t rows) {
  const fs::path file = data.parent_path() / "datagen_report.json";
  if (!fs::is_regular_file(file)) return nullptr;
  const json report = json::parse(read_file(file), nullptr, false);
  const std::string split = data.stem().string();
  if (report.is_discarded() || !report.contains(split) || !report[split].contains("oracle") ||
      report[split].value("rows", int64_t{-1}) != rows) {
    return nullptr;
  }
  const json& o = report[split]["oracle"];
  return {{"accuracy", o.value("accuracy", 0.0)},
          {"accuracy_ceiling", report.value("accuracy_ceiling", 0.0)},
          {"dwell_mae_s", o.value("dwell_mae_s", 0.0)},
          {"engagement_pearson", o.value("engagement_corr", 0.0)}};
}

std::string oracle_markdown(const metrics::Report& r, const json& oracle) {
  std::ostringstream md;
  md << "\n## Beside RetailSim's oracle\n\nThe oracle sees the hidden variables (true behaviour, "
        "noise-free dwell and engagement); the ceiling is 1 - label noise.\n\n"
     << "| metric | model | oracle | ceiling |\n|---|---|---|---|\n"
     << "| behaviour accuracy | " << fmt(r.accuracy) << " | " << fmt(oracle["accuracy"].get<double>()) << " | "
     << fmt(oracle["accuracy_ceiling"].get<double>()) << " |\n"
     << "| dwell MAE (s) | " << fmt(r.dwell_mae_s, "%.2f") << " | " << fmt(oracle["dwell_mae_s"].get<double>(), "%.2f")
     << " | |\n| engagement Pearson r | " << fmt(r.engagement_pearson) << " | "
     << fmt(oracle["engagement_pearson"].get<double>()) << " | |\n";
  return md.str();
}

EvalResult evaluate_run(const EvalRequest& request) {
  auto trained = load_trained_model(request.run_dir, request.checkpoint);
  const auto& cfg = trained.config;
  metrics::Options mo;
  mo.ece_bins = static_cast<int>(cfg["eval"]["ece_bins"].as_int(1, 1000));
  std::vector<std::string> slices;
  for (const auto& s : cfg["eval"]["slices"].elements()) slices.push_back(s.as_choice(kSliceNames));

  if (!fs::exists(request.data)) {
    throw Error(ErrorKind::Io, "no such dataset file", request.data.string());
  }
  datasets::ReadOptions read;
  read.nan_policy = cfg["data"]["nan_policy"].as_choice({"error", "skip"}) == "skip" ? datasets::NanPolicy::Skip
                                                                     : datasets::NanPolicy::Error;
  auto reader = datasets::DatasetReader::open(request.data, read);
  check_feature_spec(trained.spec, reader->spec(), request.data.string());

  const auto env = World::Env::from_environment();
  apply_threads(threads_for_rank(static_cast<int>(cfg["run"]["threads"].as_int(0)), env),
                cfg["run"]["flush_denormals"].as_bool());
  const auto world = World::join(env, TrainOptions::from_config(cfg).dist);
  const bool writer = !world || world->rank() == 0;
  PredictOptions po;
  po.batch_size = cfg["data"]["batch_size"].as_int(1);
  po.progress = request.progress && writer;
  po.world = world.get();
  const auto& kept = cfg["data"]["modalities"];
  po.modalities = datasets::modality_set(kept.as_string_list(), kept.origin().str());
  for (const auto& name : request.drop_modalities) {
    const auto drop = datasets::modality_set({name}, "--drop-modality");
    for (int k = 0; k < kNumModalities; ++k) po.modalities[k] = po.modalities[k] && !drop[k];
  }
  if (po.modalities == datasets::ModalitySet{}) {
    throw Error(ErrorKind::Usage, "--drop-modality removes every modality the run uses", request.run_dir.string(),
                "drop fewer modalities; the run's data.modalities lists the ones it uses");
  }
  const auto p = predict(*trained.model, reader, po);

  EvalResult result;
  result.class_names = trained.spec.class_names;
  result.overall = metrics::evaluate(p.outputs, p.targets, mo);
  json report = {{"run", request.run_dir.string()},
                 {"checkpoint", trained.checkpoint.string()},
                 {"data", request.data.string()},
                 {"model", cfg["model"]["type"].as_string()},
                 {"modalities", datasets::modality_names(po.modalities)},
                 {"overall", metrics::to_json(result.overall, result.class_names)},
                 {"slices", json::object()}};
  std::ostringstream md;
  md << "# Evaluation\n\n- run: `" << request.run_dir.string() << "`\n- checkpoint: `"
     << trained.checkpoint.string() << "`\n- data: `" << request.data.string() << "`\n- modalities: "
     << modality_list(po.modalities) << "\n\n"
     << metrics::to_markdown(result.overall, result.class_names);
  const json oracle = retailsim_oracle(request.data, reader->num_rows());
  if (!oracle.is_null()) {
    report["retailsim_oracle"] = oracle;
    md << oracle_markdown(result.overall, oracle);
  }
  for (const auto& slice : slices) {
    auto& reports = result.slices[slice] =
        metrics::evaluate_slices(p.outputs, p.targets, p.slice_keys.at(slice), mo);
    json& j = report["slices"][slice] = json::object();
    for (const auto& [key, r] : reports) j[key] = metrics::to_json(r, result.class_names);
    md << "\n" << slices_markdown(slice, reports);
  }

  if (!writer) return result;
  const fs::path out = request.out_dir.empty() ? request.run_dir : request.out_dir;
  fs::create_directories(out);
  result.json_file = out / "eval.json";
  result.markdown_file = out / "eval.md";
  write_json_atomic(result.json_file, report);
  write_file_atomic(result.markdown_file, md.str());
  return result;
}

}  // namespace storefuse::train
