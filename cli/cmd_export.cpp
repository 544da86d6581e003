// storefuse export: a trained run -> a verified, self-describing model.onnx
// and its model card model.json.
#include <fstream>
#include <iomanip>
#include <iostream>

#include "command.h"
#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/datasets/dataset_reader.h"
#include "storefuse/export/export.h"
#include "storefuse/infer/model_metadata.h"
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

json best_metrics(const fs::path& run_dir) {
  for (const auto& r : train::list_runs(run_dir.parent_path())) {
    if (r.name == run_dir.filename().string()) return r.best_epoch;
  }
  return nullptr;
}

}  // namespace

int run_export(const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()
      ("run,r", po::value<std::string>()->required(), "run directory (runs/<name>)")
      ("checkpoint", po::value<std::string>()->default_value("best"), "best or last")
      ("out,o", po::value<std::string>()->required(), "model file to write (model.onnx); model.json goes beside it")
      ("precision", po::value<std::string>()->default_value("fp32"), "weights of Gemm/MatMul: fp32, fp16 or int8")
      ("opset", po::value<int64_t>()->default_value(17), "ONNX opset (17 or newer)")
      ("verify-data", po::value<std::string>()->default_value(""), "dataset whose first rows verify the export (default: random inputs)")
      ("verify-samples", po::value<int64_t>()->default_value(256), "samples for the numerical check")
      ("accuracy-data", po::value<std::string>()->default_value(""), "labelled dataset: report the accuracy change of fp16/int8 against fp32");
  po::variables_map vm;
  if (!parse_args("export", "--run runs/NAME --out model.onnx [options]", opts, args, vm)) return kExitOk;
  const fs::path run = vm["run"].as<std::string>(), out = vm["out"].as<std::string>();
  const auto precision = exporter::parse_precision(vm["precision"].as<std::string>());
  const int64_t samples = vm["verify-samples"].as<int64_t>();
  if (samples < 1) throw Error(ErrorKind::Usage, "--verify-samples must be >= 1", "storefuse export");

  auto trained = train::load_trained_model(run, vm["checkpoint"].as<std::string>());
  json metrics = best_metrics(run);
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
      {md::kMetrics, metrics.dump()},
      {md::kPrecision, exporter::to_string(precision)},
  };
  auto proto = exporter::export_model(*trained.model, trained.spec, options);
  std::string bytes;
  proto.SerializeToString(&bytes);
  std::cout << "exported " << options.metadata[md::kModelName] << " (" << exporter::to_string(precision)
            << ", opset " << options.opset << ", " << bytes.size() / 1024 << " KiB): ONNX checker passed\n";

  datasets::Batch keep_alive;
  auto inputs = verification_inputs(trained, vm["verify-data"].as<std::string>(), samples, keep_alive);
  auto v = exporter::verify(*trained.model, bytes, inputs, {1, 7, 64});
  std::cout << std::scientific << std::setprecision(2) << "verification on " << v.samples
            << " samples, batches 1/7/64, storefuse runtime vs LibTorch: max |diff| "
            << v.max_abs_diff << " (behavior_logits " << v.per_output["behavior_logits"]
            << ", dwell_s " << v.per_output["dwell_s"] << ", engagement "
            << v.per_output["engagement"] << ")\n" << std::defaultfloat;
  const double tolerance = 1e-5;
  if (precision == exporter::Precision::Fp32 && !v.passed(tolerance)) {
    throw Error(ErrorKind::Model, "the exported model differs from LibTorch by more than 1e-5",
                out.string() + " (not written)", "this is an emitter bug; please report it with the run");
  }
  json card = {{"model", options.metadata[md::kModelName]},
               {"run_id", options.metadata[md::kRunId]},
               {"checkpoint", trained.checkpoint.string()},
               {"precision", exporter::to_string(precision)},
               {"opset", options.opset},
               {"inputs", json::array()},
               {"outputs", {"behavior_logits", "dwell_s", "engagement"}},
               {"class_names", trained.spec.class_names},
               {"train_data", {{"path", train_data}, {"hash", options.metadata[md::kDataHash]}}},
               {"metrics", metrics},
               {"verification", {{"samples", v.samples}, {"batch_sizes", v.batch_sizes},
                                 {"max_abs_diff", v.max_abs_diff}, {"per_output", v.per_output}}},
               {"storefuse_version", STOREFUSE_VERSION}};
  for (int k = 0; k < datasets::kNumModalities; ++k) {
    card["inputs"].push_back({{"name", datasets::to_string(datasets::kModalities[k])},
                              {"dtype", datasets::to_string(trained.spec.modalities[k].dtype)},
                              {"shape", trained.spec.modalities[k].shape}});
  }
  card["inputs"].push_back({{"name", "mask"}, {"dtype", "uint8"}, {"shape", {datasets::kNumModalities}}});
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
  write_file_atomic(out, bytes);
  write_json_atomic(out.parent_path().empty() ? fs::path("model.json")
                                              : out.parent_path() / (out.stem().string() + ".json"),
                    card);
  std::cout << "wrote " << out.string() << " and its model card " << out.stem().string() << ".json\n";
  return kExitOk;
}

}  // namespace storefuse::cli
