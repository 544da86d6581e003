// storefuse export: a trained run -> a verified, self-describing model.onnx
// and its model card model.json.
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "command.h"
#include "storefuse/contract/model_io.h"
#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/core/exit_code.h"
#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/export/export.h"
#include "storefuse/infer/model_metadata.h"
#include "storefuse/metrics/feature_summary.h"
#include "storefuse/train/batch_tensors.h"
#include "storefuse/train/run_dir.h"
#include "storefuse/train/trained_model.h"
#include "storefuse/version.h"

namespace storefuse::cli {
namespace {

namespace fs = std::filesystem;
namespace md = infer::metadata;

// FNV-1a over the file's bytes: ties the model to the data it was trained on.
std::string file_hash(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "unavailable";
  uint64_t h = 1469598103934665603ull;
  std::vector<char> buf(1 << 20);
  while (in.read(buf.data(), buf.size()) || in.gcount() > 0) {
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      h = (h ^ static_cast<unsigned char>(buf[i])) * 1099511628211ull;
    }
  }
  std::ostringstream s;
  s << "fnv1a64:" << std::hex << std::setw(16) << std::setfill('0') << h;
  return s.str();
}

void write_to(const AtomicFile& file, const std::string& bytes) {
  std::ofstream f(file.temp_path(), std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.flush();
  if (!f) throw Error(ErrorKind::Io, "cannot write", file.temp_path().string(), "is the disk full?");
}

// Verification inputs: the first `n` rows of a dataset (or random ones).
train::ModelInput verification_inputs(const train::TrainedModel& t, const std::string& data,
                                      int64_t n, datasets::Batch& keep_alive) {
  if (!data.empty()) {
    auto reader = datasets::DatasetReader::open(data, {});
    train::check_feature_spec(t.spec, reader->spec(), data);
    keep_alive = reader->read(0, std::min(n, reader->num_rows()));
    return train::to_tensors(keep_alive, torch::kCPU).input;
  }
  torch::manual_seed(0);
  train::ModelInput in;
  for (int k = 0; k < datasets::kNumModalities; ++k) {
    std::vector<int64_t> shape{n};
    for (auto d : t.spec.modalities[k].shape) shape.push_back(d);
    in.inputs[k] = t.spec.modalities[k].dtype == datasets::DType::Float32
                       ? torch::randn(shape)
                       : torch::randint(0, 2, shape).to(t.spec.modalities[k].dtype == datasets::DType::UInt8
                                                            ? torch::kByte : torch::kInt);
  }
  in.mask = (torch::rand({n, datasets::kNumModalities}) > 0.2).to(torch::kByte);
  return in;
}

// The validation metrics of the epoch a checkpoint was saved after, from the
// metrics.jsonl beside it: best.pt -> the best epoch, last.pt -> the last,
// epoch-<K>.pt -> epoch K. null when the file is not in a run directory.
json checkpoint_metrics(const fs::path& checkpoint) {
  const fs::path dir = fs::absolute(checkpoint).parent_path();
  const std::string name = checkpoint.filename().string();
  if (name == "best.pt" || name == "last.pt") {
    for (const auto& r : train::list_runs(dir.parent_path())) {
      if (r.name == dir.filename().string()) return name == "best.pt" ? r.best_epoch : r.last_epoch;
    }
    return nullptr;
  }
  int64_t epoch = 0;
  if (std::sscanf(name.c_str(), "epoch-%" SCNd64 ".pt", &epoch) != 1) return nullptr;
  json found;
  std::ifstream in(dir / "metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    json r = json::parse(line, nullptr, false);
    if (!r.is_discarded() && r.value("kind", "") == "epoch" && r.value("epoch", int64_t{0}) == epoch) found = r;
  }
  return found;
}

}  // namespace

int run_export(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()
      ("run,r", po::value<std::string>()->required(), "run directory (runs/<name>)")
      ("checkpoint", po::value<std::string>()->default_value("best"),
       "best, last (the run's best.pt, last.pt) or the path of a checkpoint file (epoch-<K>.pt, another run's best.pt); its weights must fit the run's config")
      ("out,o", po::value<std::string>()->required(), "model file to write (model.onnx); its model card <name>.json goes beside it")
      ("precision", po::value<std::string>()->default_value("fp32"), "weights of Gemm/MatMul: fp32, fp16 or int8")
      ("opset", po::value<int64_t>()->default_value(17), "ONNX opset (17 or newer)")
      ("verify-data", po::value<std::string>()->default_value(""), "dataset whose first rows verify the export (default: random inputs)")
      ("verify-samples", po::value<int64_t>()->default_value(256), "samples for the numerical check")
      ("atol", po::value<double>()->default_value(exporter::Tolerance{}.atol), "fp32 check: absolute tolerance (|a - b| <= atol + rtol * |b|)")
      ("rtol", po::value<double>()->default_value(exporter::Tolerance{}.rtol), "fp32 check: relative tolerance")
      ("accuracy-data", po::value<std::string>()->default_value(""), "labelled dataset: report the accuracy change of fp16/int8 against fp32");
  po::variables_map vm;
  if (!parse_args("export", "--run runs/NAME --out model.onnx [options]", opts, args, vm)) return kExitOk;
  const fs::path run = vm["run"].as<std::string>(), out = vm["out"].as<std::string>();
  const auto precision = exporter::parse_precision(vm["precision"].as<std::string>());
  const int64_t samples = vm["verify-samples"].as<int64_t>();
  if (samples < 1) throw Error(ErrorKind::Usage, "--verify-samples must be >= 1", "storefuse export");
  const exporter::Tolerance tolerance{vm["atol"].as<double>(), vm["rtol"].as<double>()};
  if (!(tolerance.atol > 0) || !(tolerance.rtol >= 0)) {
    throw Error(ErrorKind::Usage, "--atol must be > 0 and --rtol >= 0", "storefuse export");
  }

  if (out.extension() == ".json") {
    throw Error(ErrorKind::Usage, "--out ends in .json, the model card's name", out.string(),
                "name the model file model.onnx; its card model.json goes beside it");
  }
  // Both files are written to temp files beside their targets and renamed in
  // at the end: an unwritable directory fails here, before any work, and a
  // failure later leaves neither file (the temp files are removed).
  AtomicFile onnx_file(out), card_file(out.parent_path() / (out.stem().string() + ".json"));

  auto trained = train::load_trained_model(run, vm["checkpoint"].as<std::string>());
  const json epoch_metrics = checkpoint_metrics(trained.checkpoint);
  const std::string train_data = trained.config["data"]["train"].as_string();
  exporter::ExportOptions options;
  options.precision = precision;
  options.opset = vm["opset"].as<int64_t>();
  options.metadata = {
      {md::kVersion, STOREFUSE_VERSION},
      {md::kModelName, trained.config["model"]["type"].as_string()},
      {md::kModelVersion, trained.checkpoint.filename().string()},
      {md::kRunId, fs::absolute(run).filename().string()},
      {md::kConfig, trained.config.to_yaml()},
      {md::kClassNames, json(trained.spec.class_names).dump()},
      {md::kFeatureSpec, trained.spec.to_json().dump()},
      {md::kDataHash, file_hash(train_data)},
      {md::kMetrics, epoch_metrics.dump()},
      {md::kPrecision, exporter::to_string(precision)},
  };
  // The training set's feature summary, for drift checks (docs/abtest.md).
  if (fs::is_regular_file(train_data)) {
    options.metadata[md::kFeatureSummary] = metrics::summarize_features(train_data).dump();
  } else {
    std::cerr << "warning: the training data " << train_data
              << " is gone: the model carries no feature summary (storefuse abtest cannot check drift)\n";
  }
  auto proto = exporter::export_model(*trained.model, trained.spec, options);
  std::string bytes;
  proto.SerializeToString(&bytes);
  std::cout << "exported " << options.metadata[md::kModelName] << " (" << exporter::to_string(precision)
            << ", opset " << options.opset << ", " << bytes.size() / 1024 << " KiB): ONNX checker passed\n";

  datasets::Batch keep_alive;
  auto inputs = verification_inputs(trained, vm["verify-data"].as<std::string>(), samples, keep_alive);
  auto v = exporter::verify(*trained.model, bytes, inputs, {1, 7, 64}, tolerance);
  std::cout << std::scientific << std::setprecision(2) << "verification on " << v.samples
            << " samples, batches 1/7/64, storefuse runtime vs LibTorch: max |diff| " << v.max_abs_diff
            << ", max relative " << v.max_rel_diff << " (";
  const char* separator = "";
  for (const char* name : contract::kOutputs) {
    const auto& d = v.per_output.at(name);
    std::cout << separator << name << " " << d.max_abs << " / " << d.max_rel;
    separator = ", ";
  }
  std::cout << ")\n" << std::defaultfloat;
  if (precision == exporter::Precision::Fp32 && !v.passed()) {
    const std::string worst = v.worst_output();
    const auto& d = v.per_output.at(worst);
    std::ostringstream what;
    what << std::setprecision(3) << "the exported model's " << worst << " differs from LibTorch's by up to "
         << d.max_abs << " (relative " << d.max_rel << "), " << d.worst_ratio
         << "x the tolerance |a - b| <= " << tolerance.atol << " + " << tolerance.rtol << " * |b|";
    throw Error(ErrorKind::Model, what.str(), out.string() + " (not written)",
                v.gross() ? "this is far beyond float32 rounding: an emitter bug; please report it with the run"
                          : "float32 sums in another order differ this much on large outputs: if that is the "
                            "cause, raise --atol / --rtol; otherwise report it with the run");
  }
  json card = {{"model", options.metadata[md::kModelName]},
               {"run_id", options.metadata[md::kRunId]},
               {"checkpoint", trained.checkpoint.string()},
               {"precision", exporter::to_string(precision)},
               {"opset", options.opset},
               {"inputs", json::array()},
               {"outputs", contract::kOutputs},
               {"class_names", trained.spec.class_names},
               {"train_data", {{"path", train_data}, {"hash", options.metadata[md::kDataHash]},
                               {"feature_summary", options.metadata.count(md::kFeatureSummary) > 0}}},
               {"metrics", epoch_metrics},
               {"verification", {{"samples", v.samples}, {"batch_sizes", v.batch_sizes},
                                 {"atol", tolerance.atol}, {"rtol", tolerance.rtol},
                                 {"max_abs_diff", v.max_abs_diff}, {"max_rel_diff", v.max_rel_diff},
                                 {"per_output", json::object()}}},
               {"storefuse_version", STOREFUSE_VERSION}};
  for (const auto& [name, d] : v.per_output) {
    card["verification"]["per_output"][name] = {{"max_abs_diff", d.max_abs}, {"max_rel_diff", d.max_rel}};
  }
  for (int k = 0; k < datasets::kNumModalities; ++k) {
    card["inputs"].push_back({{"name", datasets::to_string(datasets::kModalities[k])},
                              {"dtype", datasets::to_string(trained.spec.modalities[k].dtype)},
                              {"shape", trained.spec.modalities[k].shape}});
  }
  card["inputs"].push_back({{"name", contract::kMaskInput}, {"dtype", "uint8"}, {"shape", {datasets::kNumModalities}}});
  const std::string accuracy_data = vm["accuracy-data"].as<std::string>();
  if (!accuracy_data.empty()) {
    auto a = exporter::accuracy_change(*trained.model, bytes, accuracy_data);
    std::cout << std::fixed << std::setprecision(2) << "behaviour accuracy on " << a.samples
              << " samples: LibTorch fp32 " << 100 * a.libtorch_accuracy << "%, this file "
              << 100 * a.onnx_accuracy << "% (" << a.points_lost() << " points lost)\n";
    card["accuracy_change"] = {{"data", accuracy_data}, {"samples", a.samples},
                               {"libtorch_fp32", a.libtorch_accuracy}, {"onnx", a.onnx_accuracy},
                               {"points_lost", a.points_lost()}};
  }
  write_to(onnx_file, bytes);
  write_to(card_file, card.dump(2) + "\n");
  onnx_file.commit();
  card_file.commit();
  std::cout << "wrote " << out.string() << " and its model card " << card_file.target().string() << "\n";
  return kExitOk;
}

}  // namespace storefuse::cli
