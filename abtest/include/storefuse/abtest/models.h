// Models the A/B tool runs itself: ONNX files (through the torch-free
// runtime) and run directories (through LibTorch). The library stays
// torch-free and runtime-free: the executable registers a backend per kind,
// as cli/onnx_predictions.cpp and cli/run_predictions.cpp do:
//
//   register_model_backend({"onnx", [](auto& p) { return p.extension() == ".onnx"; }, open_onnx});
//   auto runner = open_model("model.onnx", {.threads = 1});
//   Predictions p = runner->predict("test.h5");
//
// Operational measurements (docs/abtest.md, "Operational"): latency at batch
// 1, A and B interleaved in one loop so that load noise hits both alike;
// peak memory as the resident-set growth of a fresh child process that loads
// the model and runs the warm-up rows; size as the model's bytes on disk.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "storefuse/abtest/inputs.h"
#include "storefuse/core/json.h"

namespace storefuse::abtest {

struct ModelFacts {
  std::string kind;              // onnx | run
  int64_t file_bytes = -1;       // the ONNX file (+ external data), or the run's checkpoint
  std::string feature_spec;      // datasets::FeatureSpec JSON; empty when the model has none
  json feature_summary;          // metrics::summarize_features of its training data; null if unknown
  std::string summary_source;    // where the summary came from
};

struct RunOptions {
  int threads = 1;
};

class ModelRunner {
 public:
  virtual ~ModelRunner() = default;
  virtual const ModelFacts& facts() const = 0;
  // Every row of a labelled storefuse dataset. Throws Error(Data) when the
  // dataset's features do not fit the model.
  virtual Predictions predict(const std::filesystem::path& data) = 0;
  // Holds batch-1 inputs of the dataset's first `rows` rows for run_row.
  virtual void prepare(const std::filesystem::path& data, int64_t rows) = 0;
  virtual void run_row(int64_t row) = 0;  // row < prepared rows
};

struct ModelBackend {
  std::string kind;
  std::function<bool(const std::filesystem::path&)> accepts;
  std::function<std::unique_ptr<ModelRunner>(const std::filesystem::path&, const RunOptions&)> open;
};

// Replaces an earlier backend of the same kind.
void register_model_backend(ModelBackend backend);
// The backend that accepts `path`, or nullptr (a prediction file).
const ModelBackend* find_model_backend(const std::filesystem::path& path);
bool is_model_path(const std::filesystem::path& path);  // .onnx or a directory

struct OperationalOptions {
  int threads = 1;       // runtime threads for both models
  int warmup = 20;       // untimed batch-1 runs of each model first
  int samples = 200;     // timed batch-1 runs of each model
  bool memory = true;    // measure peak memory (a child process per model)
};

struct ModelOperational {
  int64_t file_bytes = -1;
  int64_t peak_memory_bytes = -1;  // -1 when not measured (see memory_note)
  std::string memory_note;
  std::vector<double> latency_ms;  // timed runs, in order
};

struct Operational {
  OperationalOptions options;
  int64_t rows = 0;  // distinct dataset rows cycled through
  ModelOperational a, b;
  std::string memory_method;
};

// Forks a child that resets its peak resident set (/proc/self/clear_refs 5),
// opens the model, runs the warm-up rows at batch 1 and reports VmHWM minus
// the VmRSS it started from. Returns -1 with `note` set when it cannot (not
// Linux, the child failed or took longer than `timeout_s`).
int64_t measure_peak_memory(const ModelBackend& backend, const std::filesystem::path& model,
                            const std::filesystem::path& data, const OperationalOptions& options,
                            std::string& note, int timeout_s = 300);

// Batch-1 latency of both models: `warmup` untimed then `samples` timed runs,
// A and B alternating (which goes first alternates too), cycling over the
// prepared rows. Fills a.latency_ms and b.latency_ms.
void measure_latency(ModelRunner& a, ModelRunner& b, int64_t rows, Operational& out);

}  // namespace storefuse::abtest
