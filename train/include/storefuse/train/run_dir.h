// A run directory, runs/<name>/:
//   config.yaml    the resolved config
//   env.json       versions, threads, seed, host
//   metrics.jsonl  one JSON object per line: {"kind": "step", ...} every
//                  train.log_every_steps optimizer steps, {"kind": "epoch", ...}
//                  after each epoch's validation
//   last.pt, best.pt, epoch-<K>.pt   checkpoints (checkpoint.h)
//   .lock          held by the process training in it (run_lock.h)
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "storefuse/core/json.h"

namespace storefuse::train {

// Appends records to metrics.jsonl, flushing each line.
class MetricsLog {
 public:
  // Keeps only the records a run resumed at (epoch, step) would not write
  // again: step records up to `step`, epoch records before `epoch`.
  static void truncate_for_resume(const std::filesystem::path& file, int64_t epoch, int64_t step);
  explicit MetricsLog(const std::filesystem::path& file);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;
  void write(const json& record);

 private:
  std::FILE* file_;
};

// Fields of a metrics record that depend on timing (left out when comparing runs).
const std::vector<std::string>& timing_fields();

json environment_json(uint64_t seed, const std::string& device);

// One row per run under `root`: its name, epochs done, the last and the best
// epoch record. Runs without metrics are listed with empty records.
struct RunSummary {
  std::string name;
  int64_t epochs = 0;
  json last_epoch, best_epoch;  // null when none
  std::string best_metric;
};
std::vector<RunSummary> list_runs(const std::filesystem::path& root);

}  // namespace storefuse::train
