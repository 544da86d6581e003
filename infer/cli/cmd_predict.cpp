// storefuse-infer predict: a model over a dataset file, or over raw media
// files listed in a manifest (features rebuilt with the model's own feature
// spec, through the feature pipeline), one prediction per sample, in the
// CSV/JSONL format `storefuse abtest` reads.
#include <tbb/global_control.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "command.h"
#include "dataset_io.h"
#include "environment.h"
#include "storefuse/contract/model_adapter.h"
#include "storefuse/core/atomic_file.h"
#include "storefuse/core/error.h"
#include "storefuse/core/progress.h"
#include "storefuse/infer/model_metadata.h"
#include "storefuse/infer/session.h"
#include "storefuse/metrics/metrics.h"
#include "storefuse/pipeline/extract.h"

namespace storefuse::infer::cli {
namespace {

namespace ds = datasets;

// The feature spec the model was trained with, from its metadata.
ds::FeatureSpec model_spec(const contract::ModelAdapter& adapter) {
  if (!adapter.feature_spec()) {
    throw Error(ErrorKind::Model, std::string("the model carries no feature spec (") + metadata::kFeatureSpec + ")",
                adapter.where(),
                "--media needs a model exported by storefuse export; otherwise build a dataset with storefuse ingest "
                "--spec TRAIN.h5 and pass it with --data");
  }
  return *adapter.feature_spec();
}

// "csv" or "jsonl": --format, else --out's extension.
std::string output_format(const std::string& out, const std::string& format) {
  if (!format.empty()) {
    if (format != "csv" && format != "jsonl")
      throw Error(ErrorKind::Usage, "--format " + format + " is not an output format", "storefuse-infer predict",
                  "use --format csv or --format jsonl");
    return format;
  }
  auto ends_with = [&](const std::string& tail) {
    return out.size() > tail.size() && out.compare(out.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (ends_with(".jsonl")) return "jsonl";
  if (ends_with(".csv")) return "csv";
  throw Error(ErrorKind::Usage, out == "-" ? "--out - needs --format" : "no output format for " + out,
              "storefuse-infer predict", "add --format csv or --format jsonl, or name the file .csv or .jsonl");
}

// Rows [begin, begin + n) of `b` as a batch of their own.
ds::Batch slice(const ds::Batch& b, const ds::FeatureSpec& spec, int64_t begin, int64_t n) {
  if (begin == 0 && n == b.rows) return b;
  ds::Batch out = ds::Batch::allocate(spec, n, b.has_targets);
  ds::copy_rows(b, begin, out, 0, n);
  return out;
}

}  // namespace

int run_predict(const std::vector<std::string>& args) {
  po::options_description options("predict options");
  options.add_options()
      ("model,m", po::value<std::string>()->required(), "ONNX model file")
      ("data,d", po::value<std::string>(), "storefuse dataset (.h5)")
      ("media", po::value<std::string>(), "raw media instead: a manifest CSV (docs/ingest.md); the features are rebuilt "
                                          "with the model's feature spec by the same code as storefuse ingest")
      ("labels", po::value<std::string>()->default_value(""), "with --media: labels CSV, for metrics")
      ("skip-bad", po::bool_switch(), "with --media: leave out samples whose files are bad (listed on stderr)")
      ("save-features", po::value<std::string>()->default_value(""),
       "with --media: also write the features fed to the model as a dataset (.h5), to compare with ingest's")
      ("out,o", po::value<std::string>()->required(), "predictions file (.csv or .jsonl), or - for standard output")
      ("format", po::value<std::string>()->default_value(""), "csv or jsonl (default: from --out's extension; needed with --out -)")
      ("batch", po::value<int>()->default_value(1), "samples per run; latency_ms is per run divided by its samples")
      ("threads", po::value<int>()->default_value(1), "threads per run; 0 = all cores")
      ("feature-threads", po::value<int>()->default_value(0), "with --media: threads decoding files (a cap on every TBB pool, the model's included); 0 = all cores");
  add_load_options(options);
  po::variables_map vm;
  if (!parse_args("predict", "--model M.onnx (--data test.h5 | --media manifest.csv [--labels labels.csv]) --out preds.csv",
                  options, args, vm)) {
    return 0;
  }
  if (vm.count("data") == vm.count("media")) {
    throw Error(ErrorKind::Usage, "give one of --data and --media", "storefuse-infer predict",
                "--data for a dataset file, --media for a manifest of raw files");
  }
  const bool media = vm.count("media") > 0;
  const std::string data = media ? vm["media"].as<std::string>() : vm["data"].as<std::string>();
  const std::string out_path = vm["out"].as<std::string>(), model_path = vm["model"].as<std::string>();
  const std::string labels_path = vm["labels"].as<std::string>(), save_path = vm["save-features"].as<std::string>();
  if (!media && (!labels_path.empty() || !save_path.empty() || vm["skip-bad"].as<bool>())) {
    throw Error(ErrorKind::Usage, "--labels, --skip-bad and --save-features go with --media", "storefuse-infer predict", "");
  }
  const bool to_stdout = out_path == "-";
  const bool jsonl = output_format(out_path, vm["format"].as<std::string>()) == "jsonl";
  // With the predictions on standard output, everything else goes to stderr.
  std::ostream& info = to_stdout ? std::cerr : std::cout;
  const int batch = vm["batch"].as<int>(), threads = vm["threads"].as<int>();
  const int feature_threads = vm["feature-threads"].as<int>();
  if (batch < 1 || threads < 0 || feature_threads < 0) {
    throw Error(ErrorKind::Usage, "--batch must be >= 1, --threads and --feature-threads >= 0", "storefuse-infer predict");
  }

  if (!to_stdout) {
    const std::filesystem::path parent = std::filesystem::path(out_path).parent_path();
    if (!parent.empty() && !std::filesystem::is_directory(parent))
      throw Error(ErrorKind::Io, "the output directory does not exist", parent.string(),
                  "create it first, or choose another --out");
  }
  const auto adapter = contract::ModelAdapter::load(model_path, load_options(vm));
  std::unique_ptr<DatasetRows> reader;
  std::optional<pipeline::Manifest> manifest;
  std::optional<pipeline::FeaturePipeline> extractor;
  if (media) {
    extractor.emplace(model_spec(adapter));
    manifest = pipeline::read_manifest(data);
  } else {
    reader = open_dataset(data);
  }
  const ds::FeatureSpec& spec = media ? extractor->spec() : reader->spec();
  adapter.check_data(spec, data);
  const auto names = adapter.class_names(&spec);
  const int64_t classes = static_cast<int64_t>(names.size());
  Session session(adapter.shared_model(), session_options(threads));
  std::map<int64_t, pipeline::Label> labels;
  if (!labels_path.empty()) labels = pipeline::read_labels(labels_path, names);
  const bool has_targets = media ? !labels_path.empty() : reader->has_targets();

  std::ostringstream out;
  out << std::setprecision(9);
  if (!jsonl) {
    out << "sample_id";
    for (const auto& c : names) out << ",p_" << c;
    out << ",dwell_s,engagement,latency_ms\n";
  }
  metrics::Outputs all{{}, classes, {}, {}};
  metrics::Targets targets;
  const int64_t n = media ? static_cast<int64_t>(manifest->rows.size()) : reader->num_rows();
  int64_t written = 0;
  Progress progress("predict", n, "samples");
  // Runs the model on `rows` in runs of --batch samples and appends the results.
  auto predict_rows = [&](const ds::Batch& rows) {
    for (int64_t begin = 0; begin < rows.rows; begin += batch) {
      ds::Batch b = slice(rows, spec, begin, std::min<int64_t>(batch, rows.rows - begin));
      auto start = std::chrono::steady_clock::now();
      const contract::ModelOutputs result = adapter.run(session, b);
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      const size_t first = all.probs.size();
      adapter.append(result, all);
      const float* probs = all.probs.data() + first;
      const float* dwell = result.dwell_s.data();
      const float* engagement = result.engagement.data();
      for (int64_t i = 0; i < b.rows; ++i) {
        const float* p = probs + i * classes;
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
      if (has_targets) {
        targets.behavior.insert(targets.behavior.end(), b.behavior.begin(), b.behavior.end());
        targets.dwell_s.insert(targets.dwell_s.end(), b.dwell_s.begin(), b.dwell_s.end());
        targets.engagement.insert(targets.engagement.end(), b.engagement.begin(), b.engagement.end());
      }
      written += b.rows;
      if (!media) progress.advance(b.rows);
    }
  };
  double feature_s = 0;
  std::vector<pipeline::Skipped> skipped;
  if (media) {
    std::optional<tbb::global_control> limit;
    if (feature_threads > 0) limit.emplace(tbb::global_control::max_allowed_parallelism, feature_threads);
    const pipeline::PosLogs pos = pipeline::PosLogs::read(*manifest);
    std::unique_ptr<DatasetSink> saved;
    if (!save_path.empty()) {
      saved = create_dataset(save_path, spec, json{{"source", "storefuse-infer predict --media"}, {"manifest", data}},
                             has_targets);
    }
    pipeline::ExtractOptions eo;
    eo.skip_bad = vm["skip-bad"].as<bool>();
    eo.labels = has_targets ? &labels : nullptr;
    eo.progress = &progress;
    auto chunk_start = std::chrono::steady_clock::now();
    pipeline::extract(*manifest, pos, *extractor, eo, skipped, [&](const ds::Batch& rows) {
      feature_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - chunk_start).count();
      if (saved) saved->append(rows);
      predict_rows(rows);
      chunk_start = std::chrono::steady_clock::now();
    });
    if (saved) saved->close();
  } else {
    for (int64_t begin = 0; begin < n; begin += batch) predict_rows(reader->read(begin, std::min(n, begin + batch)));
  }
  progress.finish();
  for (const auto& sk : skipped) std::cerr << "skipped sample " << sk.sample_id << ": " << sk.reason << " (" << sk.where << ")\n";
  if (media && written == 0 && !skipped.empty()) {
    throw Error(ErrorKind::Data, "every sample was skipped: no predictions written", data,
                "the skipped samples and their reasons are listed above");
  }
  if (to_stdout) {
    std::cout << out.str() << std::flush;
  } else {
    write_file_atomic(out_path, out.str());
  }
  info << "wrote " << written << " predictions to " << (to_stdout ? "standard output" : out_path) << "\n";
  if (media && written > 0) {
    info << std::fixed << std::setprecision(2) << "features from raw files: " << 1000 * feature_s / written
         << " ms per sample (decode + extract, in parallel)\n";
  }
  if (has_targets && written > 0) {
    auto r = metrics::evaluate(all, targets);
    info << std::fixed << std::setprecision(4) << "accuracy " << r.accuracy << "  macro-F1 "
         << r.macro_f1 << "  dwell MAE " << std::setprecision(2) << r.dwell_mae_s
         << " s  engagement r " << std::setprecision(4) << r.engagement_pearson << "\n";
  }
  return 0;
}

}  // namespace storefuse::infer::cli
